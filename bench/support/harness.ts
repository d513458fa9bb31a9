/** Shared plumbing of the benchmarks: a private PostgreSQL, a `findme serve` child, percentiles, memory. */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Application, openDatabase, type Database } from '../../src/composition/application.js';
import { loadConfig } from '../../src/config/config.js';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded-postgres.js';

export { freePort };
import { createLogger } from '../../src/logger.js';

const bin = new URL('../../../bin/findme.js', import.meta.url).pathname;

export interface BenchEnvironment {
  tmp: string;
  pg: EmbeddedDatabase;
  /** The same settings the server child gets. */
  env: Record<string, string>;
  /** An in-process Application on the same database, for seeding. */
  app: Application;
  db: Database;
  close(): Promise<void>;
}

/** A private PostgreSQL and an Application on it (migrations applied), for seeding. */
export async function benchEnvironment(name: string, extraEnv: Record<string, string> = {}): Promise<BenchEnvironment> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), `findme-bench-${name}-`));
  await chmod(tmp, 0o755);
  const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg') });
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: pg.url,
    DATA_DIR: path.join(tmp, 'data'),
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    FACE_RECOGNIZER_PROVIDER: 'none',
    PHOTO_WORKER_ENABLED: 'false',
    ...extraEnv,
  };
  const config = await loadConfig({ envFile: '/nonexistent', env });
  const logger = createLogger('warn');
  const db = await openDatabase(config, logger);
  const app = new Application(config, logger, db);
  await app.prepare();
  return {
    tmp,
    pg,
    env,
    app,
    db,
    close: async () => {
      await app.close();
      await pg.stop();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

export interface ServerChild {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `findme serve` with `env` on a free port and waits until /healthz answers. */
export async function startServerChild(env: Record<string, string>): Promise<ServerChild> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS="--cpu-prof" profiles the server under load.
  const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, bin, 'serve'], {
    env: { PATH: process.env['PATH'] ?? '', ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child);
  return { url, port, pid: child.pid!, stop: () => stopChild(child) };
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become healthy');
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Resident memory of a process, in bytes (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** One line about this machine, for reports. */
export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}
