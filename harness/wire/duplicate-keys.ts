// JSON.parse keeps the last of two equal keys without a word; the engine's serde decoder rejects a frame
// whose typed fields repeat a key (engine-protocol.md §2 [verified]). This scanner finds repeated keys
// in text that JSON.parse already accepted, in one pass.

export interface DuplicateKey {
  /** Pointer of the object that repeats the key. */
  object: string;
  /** Pointer of the repeated member. */
  path: string;
  key: string;
}

interface Container {
  keys: Set<string> | undefined; // undefined for arrays
  pointer: string;
  index: number;
  key: string;
  expectKey: boolean;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** End index (exclusive) of the string literal starting at text[start] === '"'. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let backslashes = 0;
    for (let j = quote - 1; text.charCodeAt(j) === 92; j--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/** Repeated keys in a valid JSON text, in document order. Empty when there are none. */
export function findDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Container[] = [];
  const childPointer = (): string => {
    const parent = stack[stack.length - 1];
    if (!parent) return '';
    return parent.keys ? `${parent.pointer}/${escapePointer(parent.key)}` : `${parent.pointer}/${parent.index}`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */ || c === 91 /* [ */) {
      const object = c === 123;
      stack.push({ keys: object ? new Set() : undefined, pointer: childPointer(), index: 0, key: '', expectKey: object });
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
    } else if (c === 44 /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
      else if (top) top.index++;
    } else if (c === 34 /* " */) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const raw = text.slice(i + 1, end - 1);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
        if (top.keys.has(key)) found.push({ object: top.pointer, path: `${top.pointer}/${escapePointer(key)}`, key });
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end - 1;
    }
  }
  return found;
}
