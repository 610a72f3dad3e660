// Turns a `cmd:` target's command line into file + arguments without a shell, so the process group
// leader is the program itself (signals reach it directly). Quoting follows POSIX shell words:
// '...' literal, "..." with \" and \\ escapes, and a backslash escaping the next character outside quotes.

export interface ParsedCommand {
  file: string;
  args: string[];
}

export function splitCommandLine(commandLine: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < commandLine.length; i++) {
    const ch = commandLine[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && (commandLine[i + 1] === '"' || commandLine[i + 1] === '\\')) word += commandLine[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < commandLine.length) {
      word += commandLine[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in command line: ${commandLine}`);
  if (inWord) words.push(word);
  return words;
}

export function parseCommand(commandLine: string): ParsedCommand {
  const [file, ...args] = splitCommandLine(commandLine);
  if (!file) throw new Error('empty command line');
  return { file, args };
}
