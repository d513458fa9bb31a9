import type { EntityManager } from '@mikro-orm/postgresql';
import type { RateLimiter, RateWindow } from '../../ports/rate-limiter.js';

interface Row {
  hits: number;
  reset_at: Date | string;
}

/**
 * Counters in PostgreSQL, so every API process sees the same counts. One upsert
 * per hit: an expired window restarts at 1.
 */
export class PgRateLimiter implements RateLimiter {
  constructor(private readonly em: EntityManager) {}

  async peek(key: string): Promise<RateWindow | null> {
    const rows = await this.em
      .getConnection()
      .execute<Row[]>('select hits, reset_at from rate_limit_buckets where key = ? and reset_at > now()', [key]);
    const row = rows[0];
    return row ? toWindow(row) : null;
  }

  async hit(key: string, windowSeconds: number): Promise<RateWindow> {
    const rows = await this.em.getConnection().execute<Row[]>(
      `insert into rate_limit_buckets (key, hits, reset_at)
       values (?, 1, now() + make_interval(secs => ?))
       on conflict (key) do update set
         hits = case when rate_limit_buckets.reset_at <= now() then 1 else rate_limit_buckets.hits + 1 end,
         reset_at = case when rate_limit_buckets.reset_at <= now() then excluded.reset_at else rate_limit_buckets.reset_at end
       returning hits, reset_at`,
      [key, windowSeconds],
    );
    return toWindow(rows[0] as Row);
  }

  async refund(key: string): Promise<void> {
    await this.em.getConnection().execute('update rate_limit_buckets set hits = hits - 1 where key = ? and hits > 0 and reset_at > now()', [key]);
  }

  async reset(key: string): Promise<void> {
    await this.em.getConnection().execute('delete from rate_limit_buckets where key = ?', [key]);
  }

  /** Deletes windows that ended; called periodically. */
  async sweep(): Promise<number> {
    const res = await this.em.getConnection().execute('delete from rate_limit_buckets where reset_at <= now()', [], 'run');
    return (res as { affectedRows?: number }).affectedRows ?? 0;
  }
}

function toWindow(row: Row): RateWindow {
  return { hits: Number(row.hits), resetAt: new Date(row.reset_at) };
}
