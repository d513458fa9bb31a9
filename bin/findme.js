#!/usr/bin/env node
// Entry point of the `findme` command. The TypeScript sources are compiled to
// dist/ by `npm ci` (the `prepare` script) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('findme: not built yet; run `npm run build` (npm ci does it for you).\n');
  process.exit(1);
}
await import(main);
