// Public face of transcripts: record types, the recorder, JSONL on disk and the pretty-printer.
export type {
  TranscriptRecord,
  HeaderRecord,
  FrameRecord,
  EventRecord,
  FaultRecord,
  ScheduleRecord,
  NoteRecord,
  NoteLevel,
  RecordedVerdict,
  TelemetryInfo,
  EventName,
  DraftRecord,
} from './records.ts';
export { EVENT_NAMES } from './records.ts';
export { TranscriptRecorder, DEFAULT_TRANSCRIPT_LIMITS, safeStringify } from './recorder.ts';
export type { TranscriptLimits, TranscriptRecorderOptions, TranscriptListener } from './recorder.ts';
export { writeTranscript, readTranscript, parseTranscript } from './jsonl.ts';
export { formatTranscript, formatRecord } from './pretty.ts';
export { LazyFrameRecord } from './lazy.ts';
export type { TextJudge } from './lazy.ts';
export type { PrettyOptions } from './pretty.ts';
