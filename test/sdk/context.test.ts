// The SDK case context keeps its promises: a fresh engine per case, a transcript with engine frames and
// driver events on one clock, every driver process group gone after the case (also when the case timed
// out), a driver that dies mid-case is the SDK's FAIL, and a driver that cannot start is reported clearly.

import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedTarget } from '../../harness/cases/catalogue.ts';
import { outcome } from '../../harness/cases/model.ts';
import { runCase } from '../../harness/cases/run-case.ts';
import { groupAlive } from '../../harness/process/index.ts';
import { openSdkTarget, type SdkCaseContext } from '../../specs/sdk/index.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { src, type SdkCase } from '../../specs/sdk/support/sources.ts';
import { targetLaunchSpec } from '../../specs/sdk/support/launch.ts';
import { freshArtifactsRoot, openBuiltin, tolerance, unavailableReason } from './support/targets.ts';

const reason = unavailableReason('node');
const root = freshArtifactsRoot('sdk-context');

function inline(id: string, timeoutMs: number, run: (ctx: SdkCaseContext) => Promise<ReturnType<typeof outcome.pass>>): SdkCase {
  return defineCase<SdkCaseContext>({
    id: `sdk.harness-test.${id}`,
    title: id,
    level: 'INFO',
    sources: [src.behaviour('§12')],
    requires: [],
    lane: 'fast',
    timeoutMs,
    run,
  });
}

describe.skipIf(reason !== undefined)(`SDK case context${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let target: OpenedTarget<SdkCaseContext>;
  beforeAll(async () => {
    target = await openBuiltin('node', root);
  }, 60_000);
  afterAll(async () => {
    await target?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('declares the implementation from the driver', () => {
    expect(target.implementation).toMatchObject({ kind: 'sdk', name: 'iii-sdk (node)' });
    expect(target.implementation.capabilities).toContain('reconnection-config');
  });

  it('gives each case its own engine, records one timeline and leaves no process behind', async () => {
    const pids: number[] = [];
    const ports: number[] = [];
    const def = inline('timeline', 15_000, async (ctx) => {
      const { driver, conn } = await ctx.connect();
      pids.push(driver.pid);
      ports.push(ctx.engine.port);
      await driver.registerFunction('conf::t', { kind: 'echo' });
      await conn.waitFor({ type: 'registerfunction', id: 'conf::t' }, { timeoutMs: ctx.timing.replyMs });
      return outcome.pass('ok');
    });
    const a = await runCase(def, target.implementation, target.contextFactory, { seed: 1, tolerance, artifactsRoot: `${root}/a` });
    const b = await runCase(def, target.implementation, target.contextFactory, { seed: 1, tolerance, artifactsRoot: `${root}/b` });
    expect([a.outcome.verdict, b.outcome.verdict]).toEqual(['PASS', 'PASS']);
    expect(ports[0]).not.toBe(ports[1]);
    for (const pid of pids) expect(groupAlive(pid), `driver group ${pid} still alive`).toBe(false);
    const file = a.artifacts.transcriptFile!;
    expect(existsSync(file)).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"type":"registerfunction"'); // an engine frame
    expect(text).toContain('event ready'); // a driver event, on the same clock
    expect(a.artifacts.logFiles?.every((f) => existsSync(f))).toBe(true);
    // The bundled Node driver declares deferredStart: each case's driver came from a warm spare, whose
    // configuration arrived as the launch's `start` command, never as a case command in the transcript.
    expect(readFileSync(a.artifacts.logFiles![0]!, 'utf8')).toContain('"cmd":"start"');
    expect(text).not.toContain('command start');
  }, 40_000);

  it('hands a LoadProbe only to a case that declares judgesTiming, so that every timing case runs alone', async () => {
    const undeclared = inline('probe-undeclared', 5000, async (ctx) => {
      ctx.loadProbe();
      return outcome.pass('measured');
    });
    const r = await runCase(undeclared, target.implementation, target.contextFactory, { seed: 1, tolerance, artifactsRoot: root });
    expect(r.outcome.verdict).toBe('ERROR');
    expect(r.outcome.summary).toMatch(/takes a LoadProbe but does not declare judgesTiming/);
    const declared = { ...undeclared, id: 'sdk.harness-test.probe-declared', judgesTiming: true };
    const ok = await runCase(declared, target.implementation, target.contextFactory, { seed: 1, tolerance, artifactsRoot: root });
    expect(ok.outcome.verdict).toBe('PASS');
  }, 40_000);

  it('stops the driver when the case overruns its timeout', async () => {
    let pid = -1;
    const def = inline('overrun', 1500, async (ctx) => {
      const { driver } = await ctx.connect();
      pid = driver.pid;
      await new Promise((r) => setTimeout(r, 10_000));
      return outcome.pass('never');
    });
    const r = await runCase(def, target.implementation, target.contextFactory, { seed: 1, tolerance, artifactsRoot: root });
    expect(r.outcome.verdict).toBe('FAIL');
    expect(pid).toBeGreaterThan(0);
    expect(groupAlive(pid)).toBe(false);
  }, 30_000);

  it("turns a driver that dies mid-case into the SDK's FAIL, with what it was waiting for", async () => {
    const def = inline('dies', 15_000, async (ctx) => {
      const { driver } = await ctx.connect();
      await driver.stop();
      await driver.registerFunction('conf::after-death', { kind: 'echo' });
      return outcome.pass('unreachable');
    });
    const r = await runCase(def, target.implementation, target.contextFactory, { seed: 1, tolerance, artifactsRoot: root });
    expect(r.outcome.verdict).toBe('FAIL');
    expect(r.outcome.summary).toMatch(/stopped working|exited/);
  }, 30_000);

  it('turns a wait that runs out into a FAIL showing what arrived instead', async () => {
    const def = inline('wait', 15_000, async (ctx) => {
      const { conn } = await ctx.connect();
      await conn.waitFor({ type: 'registerfunction', id: 'conf::never' }, { timeoutMs: 300 });
      return outcome.pass('unreachable');
    });
    const r = await runCase(def, target.implementation, target.contextFactory, { seed: 1, tolerance, artifactsRoot: root });
    expect(r.outcome.verdict).toBe('FAIL');
    expect(JSON.stringify(r.outcome.actual)).toContain('engine::workers::register');
  }, 30_000);
});

describe('opening a target that cannot start', () => {
  it('says which driver and why', async () => {
    const launch = targetLaunchSpec({ kind: 'cmd', command: `${process.execPath} -e "process.exit(3)"` });
    await expect(openSdkTarget(launch, { tolerance, artifactsRoot: root })).rejects.toThrow(/exit|ready/);
  }, 30_000);
});
