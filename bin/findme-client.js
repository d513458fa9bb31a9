#!/usr/bin/env node
// Entry point of `findme-client`: the photographer's CLI (login, upload) alone,
// without the server's dependencies. `findme login` and `findme upload` are the same commands.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/client/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('findme-client: not built yet; run `npm run build` (npm ci does it for you).\n');
  process.exit(1);
}
await import(main);
