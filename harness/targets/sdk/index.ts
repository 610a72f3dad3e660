// SDK targets: launch a driver that speaks the contract in fixtures/drivers/README.md and drive it.
export * from './contract.ts';
export {
  BUILTIN_SDKS,
  DriverUnavailableError,
  readPinnedVersions,
  readDriverStatus,
  builtinCommand,
  type BuiltinSdk,
  type PinnedSdk,
  type DriverStatus,
} from './drivers.ts';
export { DriverSession, DriverProtocolError, DriverCommandError, describeExit, implementationOf } from './session.ts';
export { launchDriver, implementationOfSession, type LaunchOptions } from './launch.ts';
export { describeTarget } from './label.ts';
