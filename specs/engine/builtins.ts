// The built-in engine functions a worker relies on: workers::register, workers::list, functions::list.

import { validateFrame, validatePayload, type PayloadName } from '../../harness/wire/index.ts';
import { outcome, type Finding } from '../../harness/cases/model.ts';
import { call, callOk, listFunctions, listWorkers, register, registerOk, serve, uniqueFunctionId, uniqueName } from './support/protocol.ts';
import { defineCase } from '../../harness/cases/define.ts';
import { CaseFailure, check } from '../../harness/cases/failure.ts';
import { doc, src } from './support/sources.ts';
import type { EngineCaseContext } from './context.ts';

const WORKER_SUMMARY_FIELDS = [
  'name',
  'description',
  'version',
  'id',
  'namespace',
  'runtime',
  'os',
  'status',
  'function_count',
  'connected_at_ms',
  'active_invocations',
  'isolation',
  'ip_address',
] as const;

export const builtinCases = [
  defineCase<EngineCaseContext>({
    id: 'engine.builtins.register-answers-success',
    title: 'engine::workers::register answers {"success":true} in a valid invocationresult',
    level: 'MUST',
    sources: [doc('§4.2 step 7'), doc('§11.1 #25'), src('engine/src/workers/engine_fn/mod.rs')],
    timeoutMs: 5000,
    async run(ctx) {
      const w = await ctx.worker('w');
      const r = await register(ctx, w, { name: uniqueName('reg') });
      const v = validateFrame(r.frame);
      check(v.ok, 'the invocationresult does not validate against the wire schema', 'a valid invocationresult', v.ok ? r.frame : v.violations);
      check(r.frame.function_id === 'engine::workers::register', 'the result names another function', 'engine::workers::register', r.frame.function_id);
      check(r.ok && JSON.stringify(r.result) === '{"success":true}', 'the register call did not answer {"success":true}', { success: true }, r.frame);
      return 'register answered {"success":true}';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.builtins.workers-list-shape',
    title: 'engine::workers::list lists a registered worker with every WorkerSummary field',
    level: 'MUST',
    sources: [doc('§5 WorkerSummary'), doc('§11.1 #38'), src('engine/src/workers/engine_fn/mod.rs list_worker_summaries')],
    timeoutMs: 6000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const w = await ctx.worker('w');
      const name = uniqueName('shape');
      serve(w, uniqueFunctionId('one'));
      serve(w, uniqueFunctionId('two'));
      await registerOk(ctx, w, { name, runtime: 'conformance', version: '1.2.3', os: 'linux', pid: 4242, description: 'shape check' });
      const rows = (await listWorkers(ctx, observer)).filter((r) => r.id === w.workerId);
      check(rows.length === 1, 'the registered worker is not listed exactly once under its worker_id', 1, rows);
      const row = rows[0]!;
      const missing = WORKER_SUMMARY_FIELDS.filter((k) => !(k in row));
      check(missing.length === 0, `WorkerSummary lacks ${missing.join(', ')}`, WORKER_SUMMARY_FIELDS, Object.keys(row));
      const expected = {
        name,
        runtime: 'conformance',
        version: '1.2.3',
        os: 'linux',
        description: 'shape check',
        namespace: 'default',
        status: 'connected',
        function_count: 2,
      };
      const wrong = Object.entries(expected).filter(([k, v]) => row[k] !== v);
      check(wrong.length === 0, `WorkerSummary fields differ: ${wrong.map(([k]) => k).join(', ')}`, expected, row);
      check(
        typeof row.connected_at_ms === 'number' && Math.abs(row.connected_at_ms - Date.now()) < 60_000,
        'connected_at_ms is not a recent epoch time in ms',
        'ms since epoch, about now',
        row.connected_at_ms,
      );
      check(typeof row.active_invocations === 'number', 'active_invocations is not a number', 'number', row.active_invocations);
      return `listed with all ${WORKER_SUMMARY_FIELDS.length} fields, function_count 2, status connected`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.builtins.workers-list-hides-pidless',
    title: 'A worker that never reported a pid is not listed by engine::workers::list',
    level: 'MUST',
    sources: [doc('§5 WorkerSummary'), doc('§11.1 #38'), doc('§9 0.11.1')],
    timeoutMs: 6000,
    async run(ctx) {
      const w = await ctx.worker('w');
      const name = uniqueName('nopid');
      await registerOk(ctx, w, { name, pid: undefined });
      const rows = (await listWorkers(ctx, w)).filter((r) => r.id === w.workerId || r.name === name);
      check(rows.length === 0, 'a worker without pid is listed', 'no row', rows);
      return 'the pid-less worker is hidden';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.builtins.functions-list-shape',
    title: 'engine::functions::list shows a worker function with function_id, namespace, worker_name, and hides engine::*',
    level: 'MUST',
    sources: [doc('§5 FunctionSummary'), doc('§11.1 #37'), src('engine/tests/builtin_functions_e2e.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const w = await ctx.worker('w');
      const name = uniqueName('fl');
      const id = uniqueFunctionId('listed');
      serve(w, id, undefined, { description: 'listed function', metadata: { team: 'conformance' } });
      await registerOk(ctx, w, { name });
      const rows = await listFunctions(ctx, w);
      const mine = rows.filter((r) => r.function_id === id);
      check(mine.length === 1, 'the function is not listed exactly once', 1, mine);
      const row = mine[0]!;
      const expected = { function_id: id, namespace: 'default', worker_name: name, description: 'listed function' };
      const wrong = Object.entries(expected).filter(([k, v]) => row[k] !== v);
      check(wrong.length === 0, `FunctionSummary fields differ: ${wrong.map(([k]) => k).join(', ')}`, expected, row);
      const internal = rows.filter((r) => r.function_id.startsWith('engine::') && !r.function_id.startsWith('engine::queue::'));
      check(internal.length === 0, 'engine::* functions are listed without include_internal', 'none', internal.slice(0, 5));
      return `listed ${id} under ${name}; no engine::* rows`;
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.builtins.health-check',
    title: 'engine::health::check answers a successful invocationresult (no error)',
    level: 'SHOULD',
    sources: [doc('§5')],
    timeoutMs: 5000,
    async run(ctx) {
      const w = await ctx.worker('w');
      const r = await call(ctx, w, 'engine::health::check', {});
      check(r.frame.function_id === 'engine::health::check', 'the result names another function', 'engine::health::check', r.frame.function_id);
      check(r.ok, 'engine::health::check was answered with an error', 'an invocationresult without error', r.frame);
      return 'engine::health::check answered without error';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.builtins.deserialization-error',
    title: 'A builtin whose input does not decode answers deserialization_error',
    level: 'MUST',
    sources: [doc('§5'), doc('§11.1 #39'), src('engine/function-macros/src/lib.rs')],
    timeoutMs: 5000,
    async run(ctx) {
      const w = await ctx.worker('w');
      const asNull = await call(ctx, w, 'engine::workers::list', null);
      const wrongType = await call(ctx, w, 'engine::functions::list', { include_internal: 'yes' });
      for (const [what, r] of [
        ['null input to workers::list', asNull],
        ['include_internal:"yes" to functions::list', wrongType],
      ] as const) {
        check(
          !r.ok && r.error.code === 'deserialization_error',
          `${what} was not answered with deserialization_error`,
          { error: { code: 'deserialization_error' } },
          r.frame,
        );
      }
      await callOk(ctx, w, 'engine::workers::list', {}); // and the builtin still works afterwards
      return 'both undecodable inputs answered deserialization_error';
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.builtins.payloads-validate',
    title: 'The results of workers::register, workers::list and functions::list validate against the builtin payload schemas',
    level: 'MUST',
    sources: [doc('§5'), doc('§4.2'), src('engine/src/workers/engine_fn/mod.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const w = await ctx.worker('w');
      serve(w, uniqueFunctionId('validated'), undefined, { description: 'validated', metadata: { a: 1 } });
      const registered = await register(ctx, w, { name: uniqueName('pv') });
      const checks: [PayloadName, unknown][] = [
        ['engine::workers::register/response', registered.ok ? registered.result : registered.frame],
        ['engine::workers::list/response', await callOk(ctx, w, 'engine::workers::list', {})],
        ['engine::functions::list/response', await callOk(ctx, w, 'engine::functions::list', {})],
        ['engine::functions::list/response', await callOk(ctx, w, 'engine::functions::list', { include_internal: true })],
      ];
      const findings: Finding[] = [];
      for (const [name, value] of checks) {
        const v = validatePayload(name, value);
        if (!v.ok)
          throw new CaseFailure(`the ${name} payload does not validate`, `a payload valid against builtins.schema.json ${name}`, {
            violations: v.violations.slice(0, 5),
            value,
          });
        for (const x of v.strict) findings.push({ severity: 'info', message: `${name}: ${x.message}`, path: x.path });
      }
      // Strict-level findings (unknown fields) are reported, not failed: the engine may add fields.
      return outcome.pass(
        `${checks.length} builtin results validate${findings.length > 0 ? ` (${findings.length} strict findings)` : ''}`,
        findings.length > 0 ? { findings } : {},
      );
    },
  }),

  defineCase<EngineCaseContext>({
    id: 'engine.builtins.register-blank-namespace',
    title: 'engine::workers::register with a whitespace-only namespace answers INVALID_NAMESPACE and registers nothing',
    level: 'MUST',
    sources: [doc('§4.2 step 1'), doc('§11.1 #26'), src('engine/tests/namespace_introspection_e2e.rs')],
    timeoutMs: 6000,
    async run(ctx) {
      const observer = await ctx.worker('observer');
      const w = await ctx.worker('w');
      const name = uniqueName('blankns');
      const r = await register(ctx, w, { name, namespace: '  ' });
      check(
        !r.ok && r.error.code === 'INVALID_NAMESPACE',
        'a blank namespace was not answered INVALID_NAMESPACE',
        { error: { code: 'INVALID_NAMESPACE' } },
        r.frame,
      );
      const rows = (await listWorkers(ctx, observer)).filter((row) => row.name === name);
      check(rows.length === 0, 'the worker was registered despite the blank namespace', 'no row', rows);
      return 'INVALID_NAMESPACE, nothing listed';
    },
  }),
];
