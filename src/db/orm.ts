import { DataloaderType, DriverException, MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import pg from 'pg';
import type { Logger } from 'pino';
import { entities } from '../domain/entities/index.js';
import { migrationsList } from './migrations/index.js';

export interface OrmOptions {
  clientUrl: string;
  logger?: Logger;
  /** Pool size; small by default, every process keeps its own. */
  poolMax?: number;
}

export function ormConfig({ clientUrl, logger, poolMax = 10 }: OrmOptions): Options {
  return {
    clientUrl,
    entities,
    extensions: [Migrator],
    migrations: {
      migrationsList,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
    // Batch reference and collection loads of field resolvers into one query each.
    dataloader: DataloaderType.ALL,
    forceUtcTimezone: true,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    pool: { min: 0, max: poolMax },
    allowGlobalContext: false,
    debug: false,
    ...(logger ? { logger: (message: string) => logger.debug({ orm: message }, 'orm') } : {}),
  };
}

export async function openOrm(options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(options));
}

// Any constant shared by every FindMe process: serialises migrations across them.
const MIGRATION_LOCK = 72_011_2026;

/**
 * Applies pending migrations; returns the names applied. An advisory lock makes
 * a `serve` and several `worker` processes starting together take turns.
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const lock = new pg.Client({ connectionString: orm.config.get('clientUrl') });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await orm.getMigrator().up();
    return applied.map((m) => m.name);
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.end();
  }
}

/** True when the database answers and no migration is pending. */
export async function databaseReady(orm: MikroORM): Promise<boolean> {
  try {
    await orm.em.getConnection().execute('select 1');
    const pending = await orm.getMigrator().getPendingMigrations();
    return pending.length === 0;
  } catch {
    return false;
  }
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const UNAVAILABLE_MESSAGES = /Connection terminated|ECONNREFUSED|Timeout acquiring a connection|the database system is (shutting down|starting up|in recovery)|Client has encountered a connection error|Connection ended unexpectedly/i;

/** True when `err` (or what caused it) says PostgreSQL cannot be reached, rather than that a query was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; previous?: unknown; originalError?: unknown };
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
    current = e.previous ?? e.cause ?? e.originalError;
  }
  return false;
}

/** True when `err` came from the database driver (its message quotes SQL and parameters). */
export function isDatabaseError(err: unknown): boolean {
  return err instanceof DriverException || err instanceof pg.DatabaseError;
}
