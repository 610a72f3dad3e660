// Issue 12, finding 1 (and 6's null bundle): a repro bundle someone attached to an issue is data, never a
// command. Each test crafts the bundle an attacker would and checks that replay refuses it with exit 3 and a
// message naming what it refused, and that nothing ran, was dialled or was read. The loopback bundle, a
// builtin target and a confirmed command show the same paths still say yes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../harness/cli/io.ts';
import { runCli } from '../../harness/cli/program.ts';
import { FakeWorker } from '../../harness/fake-worker/index.ts';
import { startReferenceEngine } from '../../harness/reference-engine/index.ts';
import { TranscriptRecorder } from '../../harness/transcript/recorder.ts';
import { writeTranscript } from '../../harness/transcript/jsonl.ts';
import { isLoopbackUrl } from '../../harness/replay/target-policy.ts';
import { Capture } from '../cli/helpers.ts';

let root: string;
/** A real transcript of an engine case, outside every bundle: a bundle that reached it would replay it. */
let outside: string;

interface Run {
  code: number;
  out: string;
  err: string;
  asked: string[];
}

async function replay(args: string[], opts: { env?: NodeJS.ProcessEnv; answer?: string } = {}): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  const asked: string[] = [];
  const io: CliIO = {
    stdout,
    stderr,
    env: opts.env ?? { CI: 'true', PATH: process.env.PATH },
    cwd: root,
    loadSdkCatalogue: () => Promise.reject(new Error('not used')),
    loadEngineCatalogue: () => Promise.reject(new Error('not used')),
    ...(opts.answer !== undefined
      ? {
          prompt: async (q: string) => {
            asked.push(q);
            return opts.answer as string;
          },
        }
      : {}),
  };
  const code = await runCli(['replay', ...args], io);
  return { code, out: stdout.text, err: stderr.text, asked };
}

async function bundle(name: string, body: unknown, raw?: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'bundle.json'), raw ?? JSON.stringify(body));
  return dir;
}

const base = { format: 'iii-conformance-repro', version: 1 };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iii-conf-hostile-replay-'));
  outside = join(root, 'outside.jsonl');
  const engine = await startReferenceEngine({ log: () => {} });
  const recorder = new TranscriptRecorder();
  const worker = await FakeWorker.connect(engine.url, { transcript: recorder, peerName: 'w' });
  try {
    await worker.registered();
    await worker.ping();
  } finally {
    await worker.disconnect().catch(() => undefined);
    await engine.close();
  }
  await writeTranscript(outside, recorder);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a bundled command is never run unasked', () => {
  const pwned = () => join(root, 'pwned');
  const hostile = async () => {
    const dir = await bundle('cmd', { ...base, side: 'sdk', target: `cmd:sh -c "id > ${pwned()}"`, transcript: 'transcript.jsonl', logs: [] });
    await writeFile(join(dir, 'transcript.jsonl'), '{"kind":"frame","seq":0,"t":0,"peer":"engine","conn":1,"dir":"worker->engine","frame":{"type":"ping"}}\n');
    return dir;
  };

  it('in CI: exit 3, the file is not created, the message says which --sdk to add (quoted)', async () => {
    const r = await replay([await hostile()]);
    expect(r.code).toBe(3);
    expect(existsSync(pwned())).toBe(false);
    expect(r.err).toContain(`add --sdk 'cmd:sh -c "id > ${pwned()}"'`);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('without a terminal to ask on (stdin not a TTY), even outside CI: exit 3, not run', async () => {
    const r = await replay([await hostile()], { env: { PATH: process.env.PATH } });
    expect(r.code).toBe(3);
    expect(existsSync(pwned())).toBe(false);
    expect(r.err).toMatch(/never run unasked/);
  });

  it('on a terminal the user is asked: "n" runs nothing (exit 3), and CI never asks', async () => {
    const no = await replay([await hostile()], { env: { PATH: process.env.PATH }, answer: 'n' });
    expect(no.asked).toHaveLength(1);
    expect(no.code).toBe(3);
    expect(existsSync(pwned())).toBe(false);
    const ci = await replay([await hostile()], { env: { CI: '1', PATH: process.env.PATH }, answer: 'y' });
    expect(ci.asked).toHaveLength(0);
    expect(ci.code).toBe(3);
    expect(existsSync(pwned())).toBe(false);
  });

  it('"y" on a terminal runs it (so the refusal above is the policy, not a broken launcher)', async () => {
    const r = await replay([await hostile()], { env: { PATH: process.env.PATH }, answer: 'y' });
    expect(r.asked).toHaveLength(1);
    expect(existsSync(pwned())).toBe(true); // the command ran; it is no driver, so the replay cannot start
    expect(r.code).toBe(4);
    await rm(pwned(), { force: true });
  }, 60_000);

  it('control bytes in a bundled target reach the terminal escaped', async () => {
    const dir = await bundle('esc', { ...base, side: 'sdk', target: 'cmd:x\u001b]0;owned\u0007\nResult: exit 0', transcript: 'transcript.jsonl' });
    await writeFile(join(dir, 'transcript.jsonl'), '{"kind":"frame","seq":0,"t":0,"peer":"engine","conn":1,"dir":"worker->engine","frame":{"type":"ping"}}\n');
    const r = await replay([dir]);
    expect(r.code).toBe(3);
    expect(r.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(r.err).toContain('\\e]0;owned\\x07\\nResult: exit 0');
  });
});

describe('an engine address from a bundle is dialled only when it is loopback', () => {
  it('a remote address is refused before any connection (exit 3, not "unknown host")', async () => {
    const dir = await bundle('remote', { ...base, side: 'engine', target: 'ws://replay-must-not-dial.invalid:49134', transcript: 'transcript.jsonl' });
    await writeFile(join(dir, 'transcript.jsonl'), await import('node:fs/promises').then((f) => f.readFile(outside, 'utf8')));
    const r = await replay([dir]);
    expect(r.code).toBe(3);
    expect(r.err).toContain('add --engine-url ws://replay-must-not-dial.invalid:49134');
    expect(r.err).not.toMatch(/unknown host|cannot reach/);
  });

  it('a loopback address from the bundle is dialled (exit 0 against a live reference engine)', async () => {
    const engine = await startReferenceEngine({ log: () => {} });
    try {
      const dir = await bundle('loopback', { ...base, side: 'engine', target: engine.url, transcript: 'transcript.jsonl' });
      await writeFile(join(dir, 'transcript.jsonl'), await import('node:fs/promises').then((f) => f.readFile(outside, 'utf8')));
      const r = await replay([dir]);
      expect(r.out).toContain(`against ${engine.url}`);
      expect(r.code).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('what counts as loopback', () => {
    for (const u of ['ws://127.0.0.1:1', 'ws://127.9.9.9', 'ws://localhost:1', 'ws://[::1]:1']) expect(isLoopbackUrl(new URL(u))).toBe(true);
    for (const u of ['ws://10.0.0.1', 'ws://example.com', 'ws://127.0.0.1.example.com', 'ws://[::2]', 'ws://0.0.0.0'])
      expect(isLoopbackUrl(new URL(u))).toBe(false);
  });
});

describe('paths inside a bundle stay inside its folder', () => {
  for (const [what, field] of [
    ['transcript', (p: string) => ({ transcript: p })],
    ['log', (p: string) => ({ transcript: 'transcript.jsonl', logs: [p] })],
  ] as const) {
    it(`a ${what} path with "..", an absolute one, or a symlink out is refused, naming the path (exit 3)`, async () => {
      const relOut = '../outside.jsonl';
      for (const [i, p] of [relOut, '../../../../etc/passwd', outside, 'link.jsonl'].entries()) {
        const dir = await bundle(`${what}-${i}`, { ...base, side: 'engine', ...field(p) });
        await writeFile(join(dir, 'transcript.jsonl'), '{"kind":"frame","seq":0,"t":0,"peer":"w","conn":1,"dir":"worker->engine","frame":{"type":"ping"}}\n');
        await symlink(outside, join(dir, 'link.jsonl'));
        const r = await replay([dir]);
        expect(r.code, p).toBe(3);
        expect(r.err).toContain(`${what} path "${p}"`);
        expect(r.err).toMatch(/a bundle may only name files inside its own folder/);
        // Had the outside transcript been read, it would have replayed (exit 0) or diverged (exit 1).
        expect(r.out).toBe('');
      }
    });
  }
});

describe('a bundle.json that is not an object, or too big, is exit 3 with a clear message', () => {
  for (const [label, raw, message] of [
    ['null', 'null', /holds null, not an object/],
    ['an array', '[1,2]', /holds an array, not an object/],
    ['a number', '42', /holds a number, not an object/],
    ['a string', '"x"', /holds a string, not an object/],
    ['not JSON', '{', /is not JSON/],
    ['deep JSON', `{"format":"iii-conformance-repro","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /holds no transcript/],
    ['huge JSON', `{"format":"iii-conformance-repro","x":"${'a'.repeat(9 * 1024 * 1024)}"}`, /larger than any bundle\.json/],
  ] as const) {
    it(label, async () => {
      const dir = await bundle(`shape-${label.replace(/ /g, '-')}`, undefined, raw);
      const r = await replay([dir]);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/internal error/i);
    });
  }

  it('a transcript line nested thousands deep: exit 3, not a stack overflow', async () => {
    const dir = await bundle('deep-transcript', { ...base, side: 'engine', transcript: 'transcript.jsonl' });
    const deep = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    await writeFile(join(dir, 'transcript.jsonl'), `{"kind":"frame","seq":0,"t":0,"peer":"w","conn":1,"dir":"worker->engine","frame":${deep}}\n`);
    const r = await replay([dir]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/line 1 of the transcript nests deeper than 200 levels/);
  });
});
