// Process hygiene for everything the harness launches: own process group, SIGTERM then SIGKILL,
// port waiting, and a registry of live groups for leak checks.
export {
  spawnGroup,
  adoptGroup,
  groupAlive,
  groupMembers,
  processAlive,
  DEFAULT_GRACE_MS,
  type ProcessGroup,
  type SpawnGroupOptions,
  type ExitInfo,
  type LeaderExit,
} from './group.ts';
export { liveGroups, killAllTrackedSync } from './registry.ts';
export { waitForPort, canConnect, socketsOnPort, type WaitForPortOptions, type TcpSocketEntry } from './port.ts';
export { parseCommand, splitCommandLine, type ParsedCommand } from './command.ts';
