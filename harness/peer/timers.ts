// Every timer a fake peer starts goes through one TimerSet, so close() can prove it left none behind.

export class TimerSet {
  private readonly live = new Set<NodeJS.Timeout>();

  /** setTimeout that forgets itself when it fires; the callback's errors are passed to `onError`. */
  after(ms: number, fn: () => void, onError?: (e: unknown) => void): NodeJS.Timeout {
    const handle = setTimeout(
      () => {
        this.live.delete(handle);
        try {
          fn();
        } catch (e) {
          onError?.(e);
        }
      },
      Math.max(0, ms),
    );
    this.live.add(handle);
    return handle;
  }

  /** Resolves after `ms` (tracked like any other timer). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  cancel(handle: NodeJS.Timeout | undefined): void {
    if (!handle) return;
    clearTimeout(handle);
    this.live.delete(handle);
  }

  get size(): number {
    return this.live.size;
  }

  clear(): void {
    for (const h of this.live) clearTimeout(h);
    this.live.clear();
  }
}
