export { parseFaultSchedule, FaultScheduleError, FAULT_ACTION_KINDS } from './schedule.ts';
export type { FaultAction, FaultActionKind, FaultRule, FaultSchedule } from './schedule.ts';
export { FaultInjector } from './injector.ts';
export type { FiredFault, FrameSite } from './injector.ts';
export { schedulesInTranscript } from './replay.ts';
