import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobKeys } from '../../ports/job-keys.js';

/** Key claims in PostgreSQL: one statement claims a free or lapsed key, atomically. */
export class PgJobKeys implements JobKeys {
  constructor(private readonly em: () => EntityManager) {}

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const rows = await this.em().getConnection().execute(
      `insert into job_keys (key, expires_at) values (?, now() + make_interval(secs => ?))
       on conflict (key) do update set expires_at = excluded.expires_at where job_keys.expires_at <= now()
       returning key`,
      [key, ttlSeconds],
    );
    return rows.length > 0;
  }

  async release(key: string): Promise<void> {
    await this.em().getConnection().execute('delete from job_keys where key = ?', [key]);
  }
}
