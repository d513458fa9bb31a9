import os from 'node:os';
import type { EntityManager } from '@mikro-orm/postgresql';

/** This process's row in `worker_heartbeats`: written every few seconds while it works, removed when it stops. */
export class PgWorkerHeartbeat {
  private readonly startedAt = new Date();

  constructor(
    private readonly em: () => EntityManager,
    readonly workerId: string,
    private readonly concurrency: number,
  ) {}

  async beat(): Promise<void> {
    await this.em().getConnection().execute(
      `insert into worker_heartbeats (id, host, pid, concurrency, started_at, last_seen_at) values (?, ?, ?, ?, ?, now())
       on conflict (id) do update set last_seen_at = now()`,
      [this.workerId, os.hostname(), process.pid, this.concurrency, this.startedAt],
    );
  }

  async remove(): Promise<void> {
    await this.em().getConnection().execute('delete from worker_heartbeats where id = ?', [this.workerId]);
  }
}
