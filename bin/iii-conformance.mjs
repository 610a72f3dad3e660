#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`; `npm ci` in a checkout and `npm pack` build it
// through the `prepare` script). No TypeScript loader at run time: start-up stays close to a bare node.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/harness/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    `iii-conformance: the compiled harness is missing (${fileURLToPath(main)}): run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`,
  );
  process.exit(4);
}
await import(main.href);
