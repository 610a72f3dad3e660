// Progress while cases run. On a terminal: a status line rewritten in place (which case, how many left)
// above which each finished case prints one line. In CI (`CI` set) or when the output is not a TTY:
// plain lines only, no escape codes, so logs stay readable.

import type { CaseResult, Verdict } from '../cases/model.ts';
import { forTerminal } from '../util/terminal.ts';

export interface ProgressSink {
  begin(label: string, total: number): void;
  caseStarted(id: string, index: number, total: number, attempt: number, repeat: number): void;
  caseFinished(result: CaseResult, index: number, total: number, attempt: number, repeat: number): void;
  end(): void;
}

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export function isPlainOutput(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') || stream.isTTY !== true;
}

export function createProgress(stream: OutputStream, env: NodeJS.ProcessEnv): ProgressSink {
  return isPlainOutput(stream, env) ? new PlainProgress(stream) : new TtyProgress(stream, env.NO_COLOR === undefined);
}

export const silentProgress: ProgressSink = { begin() {}, caseStarted() {}, caseFinished() {}, end() {} };

function attemptTag(attempt: number, repeat: number): string {
  return repeat > 1 ? ` (repeat ${attempt + 1}/${repeat})` : '';
}

export function resultLine(result: CaseResult, index: number, total: number, attempt: number, repeat: number): string {
  const width = String(total).length;
  const counter = `[${String(index + 1).padStart(width)}/${total}]`;
  return `${counter} ${result.outcome.verdict.padEnd(13)} ${result.level.padEnd(6)} ${result.id}${attemptTag(attempt, repeat)} ${result.durationMs} ms`;
}

class PlainProgress implements ProgressSink {
  constructor(private readonly out: OutputStream) {}
  begin(label: string, total: number): void {
    this.out.write(`${forTerminal(label)}: ${total} case${total === 1 ? '' : 's'}\n`);
  }
  caseStarted(): void {}
  caseFinished(result: CaseResult, index: number, total: number, attempt: number, repeat: number): void {
    const line = resultLine(result, index, total, attempt, repeat);
    const why = result.outcome.verdict === 'PASS' || result.outcome.verdict === 'UNSUPPORTED' ? '' : `\n      ${forTerminal(result.outcome.summary)}`;
    this.out.write(`${line}${why}\n`);
  }
  end(): void {}
}

const COLOURS: Record<Verdict, string> = { PASS: '32', FAIL: '31', ERROR: '35', INDETERMINATE: '33', UNSUPPORTED: '90' };

class TtyProgress implements ProgressSink {
  private status = '';
  private timer: NodeJS.Timeout | undefined;
  /** Cases running now (several with --jobs), with when each started. */
  private readonly running = new Map<string, { startedAt: number; tag: string }>();
  private finished = 0;
  private total = 0;
  constructor(
    private readonly out: OutputStream,
    private readonly colour: boolean,
  ) {}
  begin(label: string, total: number): void {
    this.total = total;
    this.out.write(`${forTerminal(label)}: ${total} case${total === 1 ? '' : 's'}\n`);
  }
  caseStarted(id: string, _index: number, total: number, attempt: number, repeat: number): void {
    this.total = total;
    this.running.set(id, { startedAt: Date.now(), tag: attemptTag(attempt, repeat) });
    this.render();
    if (!this.timer) {
      this.timer = setInterval(() => this.render(), 250);
      this.timer.unref();
    }
  }
  caseFinished(result: CaseResult, index: number, total: number, attempt: number, repeat: number): void {
    this.running.delete(result.id);
    if (attempt === repeat - 1) this.finished++;
    this.setStatus('');
    const v = result.outcome.verdict;
    const line = resultLine(result, index, total, attempt, repeat);
    const painted = this.colour ? line.replace(v, `\x1b[${COLOURS[v]}m${v}\x1b[0m`) : line;
    const why = v === 'PASS' || v === 'UNSUPPORTED' ? '' : `\n      ${forTerminal(result.outcome.summary)}`;
    this.out.write(`${painted}${why}\n`);
    this.render();
  }
  end(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.setStatus('');
  }
  private render(): void {
    const oldest = [...this.running.entries()].sort((a, b) => a[1].startedAt - b[1].startedAt)[0];
    if (!oldest) return this.setStatus('');
    const [id, { startedAt, tag }] = oldest;
    const secs = ((Date.now() - startedAt) / 1000).toFixed(1);
    const more = this.running.size > 1 ? ` (+${this.running.size - 1} more)` : '';
    this.setStatus(`  running ${id}${tag}  ${secs}s${more}  [${this.finished}/${this.total} done]`);
  }
  private setStatus(text: string): void {
    if (this.status === '' && text === '') return;
    this.out.write(`\r\x1b[2K${text}`);
    this.status = text;
  }
}
