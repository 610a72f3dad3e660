// Replaying a failure exactly: the fault schedules a run applied are in its transcript (one `faults`
// record per peer that held one). Feed them back to FakeEngine.start / FakeWorker.connect.

import type { TranscriptRecord } from '../transcript/records.ts';
import { parseFaultSchedule, type FaultSchedule } from './schedule.ts';

/** The schedule each peer started with, in transcript order (checked again, so a hand-edited file fails loudly). */
export function schedulesInTranscript(records: readonly TranscriptRecord[]): Array<{ peer: string; schedule: FaultSchedule }> {
  return records.filter((r) => r.kind === 'faults').map((r) => ({ peer: r.peer, schedule: parseFaultSchedule(r.schedule) }));
}
