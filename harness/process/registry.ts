// Every process group the harness started and has not yet seen stopped. Lets a test assert that a run
// left nothing behind, and kills stragglers when the harness itself exits (even on an uncaught error).

interface TrackedGroup {
  readonly name: string;
  readonly pid: number;
}

const live = new Map<number, TrackedGroup>();
let hooked = false;

export function trackGroup(group: TrackedGroup): void {
  live.set(group.pid, group);
  if (!hooked) {
    hooked = true;
    process.once('exit', killAllTrackedSync);
  }
}

export function untrackGroup(group: TrackedGroup): void {
  if (live.get(group.pid) === group) live.delete(group.pid);
}

/** Groups started and not yet stopped or exited: name and pid (= process group id). */
export function liveGroups(): { name: string; pid: number }[] {
  return [...live.values()].map(({ name, pid }) => ({ name, pid }));
}

/** Last resort on harness exit: SIGKILL every group still tracked. */
export function killAllTrackedSync(): void {
  for (const { pid } of live.values()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
