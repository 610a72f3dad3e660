// Lazily judged frame records. A frame the harness builds itself is recorded as its exact text at send
// time; its parsed value and verdict are computed from that text the first time anyone reads them (a
// test, the JSONL writer, the pretty-printer). That keeps validation of the harness's own frames off the
// hot path, and the record immune to a caller mutating the object after sending it.

import type { Direction, RecordedVerdict } from './records.ts';

export const LAZY_FRAME: unique symbol = Symbol('lazy frame record');

export interface LazyFrameSource {
  text: string;
  dir: Direction;
  keepParsed: boolean;
  /** A module-level function (not a per-frame closure): judges `text` in direction `dir`. */
  judge(text: string, dir: Direction): { value: unknown; verdict: RecordedVerdict };
  done?: { frame: unknown; verdict: RecordedVerdict };
}

function resolve(record: object): { frame: unknown; verdict: RecordedVerdict } {
  const src = (record as { [LAZY_FRAME]: LazyFrameSource })[LAZY_FRAME];
  if (!src.done) {
    const judged = src.judge(src.text, src.dir);
    src.done = { frame: src.keepParsed ? judged.value : undefined, verdict: judged.verdict };
  }
  return src.done;
}

/** Shared accessors (one pair for all records): JSON.stringify serialises own enumerable getters. */
export const LAZY_DESCRIPTORS: PropertyDescriptorMap = {
  frame: {
    enumerable: true,
    configurable: true,
    get(this: object) {
      return resolve(this).frame;
    },
  },
  verdict: {
    enumerable: true,
    configurable: true,
    get(this: object) {
      return resolve(this).verdict;
    },
  },
};
