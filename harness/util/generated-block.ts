// A document part written by a command, between two marker lines: the command replaces it, and a test
// compares the document with a fresh rendering so that the text cannot drift from the code.

export interface GeneratedBlock {
  begin: string;
  end: string;
}

/** Replaces what lies between the markers of `block` in `text` with `body`. */
export function replaceGeneratedBlock(text: string, block: GeneratedBlock, body: string): string {
  const a = text.indexOf(block.begin);
  const b = text.indexOf(block.end);
  if (a < 0 || b < a) throw new Error(`no generated block (${block.begin} … ${block.end})`);
  return `${text.slice(0, a + block.begin.length)}\n${body}\n${text.slice(b)}`;
}
