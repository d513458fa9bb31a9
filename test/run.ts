/**
 * Test entry point (`npm test`): starts one embedded PostgreSQL for the whole
 * suite, then runs every test file with node's test runner. Each file creates
 * its own database on that cluster, so files run in parallel without sharing rows.
 * Set FINDME_TEST_ADMIN_URL to use an existing PostgreSQL instead.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded-postgres.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function testFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.test.js'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => process.argv.length <= 2 || process.argv.slice(2).some((arg) => f.includes(arg)))
    .sort();
}

async function main(): Promise<number> {
  const started = Date.now();
  let pg: EmbeddedDatabase | undefined;
  let tmp: string | undefined;
  let adminUrl = process.env['FINDME_TEST_ADMIN_URL'];
  if (!adminUrl) {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'findme-test-pg-'));
    // PostgreSQL runs as the `postgres` user when we are root: it must reach its directory.
    await chmod(tmp, 0o755);
    pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg') });
    adminUrl = pg.adminUrl;
  }
  try {
    const files = await testFiles(here);
    const concurrency = Math.max(2, os.availableParallelism());
    const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], {
      stdio: 'inherit',
      env: { ...process.env, FINDME_TEST_ADMIN_URL: adminUrl },
    });
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    process.stdout.write(`# suite finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return code;
  } finally {
    await pg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
