// One sanitiser for every string an implementation (or a results/bundle file) sends that the harness prints.
// A terminal obeys ESC/CSI/OSC sequences, BEL, CR (overwrite the line) and newlines (forge a line), and
// bidi overrides reorder what the reader sees; all are shown as visible escapes instead, so the printed text
// is exactly one inert line.

// C0 controls (incl. TAB, LF, CR, ESC, BEL, NUL), DEL, C1 controls, and the Unicode bidi controls
// (LRE..RLO, LRI..PDI, LRM/RLM/ALM) plus the line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e', '\u0000': '\\0' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control, escape and bidi override shown as a visible escape (`\e`, `\n`, `\x07`, `\u202e`). */
export function forTerminal(text: unknown): string {
  return String(text).replace(UNSAFE, visible);
}

/** Like `forTerminal`, but keeps real line breaks (for a multi-line stderr tail); each line is still inert. */
export function linesForTerminal(text: unknown): string {
  return String(text)
    .split('\n')
    .map((line) => forTerminal(line))
    .join('\n');
}
