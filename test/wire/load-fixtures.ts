// Reads fixtures/messages/ for the wire tests.

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DirectionInput, PayloadName } from '../../harness/wire/index.ts';

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/messages/', import.meta.url));

interface Expected {
  path: string;
  keyword: string;
}

export interface FrameFixture {
  file: string;
  /** Message type folder, or "_any". */
  group: string;
  kind: 'valid' | 'invalid';
  description: string;
  source: string;
  direction?: DirectionInput;
  /** What to hand to validateFrame: the parsed frame, the exact text, or bytes. */
  input: unknown;
  strict?: Expected[];
  expect?: Expected & { reason: string };
}

export interface PayloadFixture {
  file: string;
  kind: 'valid' | 'invalid';
  description: string;
  payload: PayloadName;
  value: unknown;
  strict?: Expected[];
  expect?: Expected;
}

function listJson(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
}

function read<T>(group: string, kind: 'valid' | 'invalid', base: string): Array<T & { file: string; kind: 'valid' | 'invalid' }> {
  return listJson(`${base}/${group}/${kind}`).map((f) => {
    const file = `${base}/${group}/${kind}/${f}`;
    return { ...(JSON.parse(readFileSync(file, 'utf8')) as T), file: file.slice(FIXTURE_DIR.length), kind };
  });
}

export function frameFixtures(): FrameFixture[] {
  const base = `${FIXTURE_DIR}frames`;
  return readdirSync(base)
    .sort()
    .flatMap((group) =>
      (['valid', 'invalid'] as const).flatMap((kind) =>
        read<Record<string, unknown>>(group, kind, base).map((raw) => ({
          file: raw.file,
          group,
          kind,
          description: String(raw.description),
          source: String(raw.source),
          direction: raw.direction as DirectionInput | undefined,
          input: 'text' in raw ? raw.text : 'bytesHex' in raw ? Buffer.from(String(raw.bytesHex), 'hex') : raw.frame,
          strict: raw.strict as Expected[] | undefined,
          expect: raw.expect as (Expected & { reason: string }) | undefined,
        })),
      ),
    );
}

export function payloadFixtures(): PayloadFixture[] {
  const base = `${FIXTURE_DIR}payloads`;
  return readdirSync(base)
    .sort()
    .flatMap((group) => (['valid', 'invalid'] as const).flatMap((kind) => read<Omit<PayloadFixture, 'file' | 'kind'>>(group, kind, base)));
}

export interface CapturedFrame {
  file: string;
  line: number;
  dir: 'sdk->engine' | 'engine->sdk';
  json: unknown;
}

export function capturedFrames(): CapturedFrame[] {
  const dir = `${FIXTURE_DIR}captured/`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((file) =>
      readFileSync(dir + file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => ({ file, ...(JSON.parse(l) as Omit<CapturedFrame, 'file'>) })),
    );
}

export interface BaseInvalidEntry {
  file: string;
  line: number;
  dir: string;
  reason: string;
  why: string;
}

export function capturedBaseInvalid(): BaseInvalidEntry[] {
  const text = readFileSync(`${FIXTURE_DIR}captured/base-invalid.json`, 'utf8');
  return (JSON.parse(text) as { frames: BaseInvalidEntry[] }).frames;
}
