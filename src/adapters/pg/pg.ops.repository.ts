import type { EntityManager } from '@mikro-orm/postgresql';
import type { OpsRepository, WorkerRow } from '../../ports/repositories/ops.repository.js';

export class PgOpsRepository implements OpsRepository {
  constructor(private readonly em: EntityManager) {}

  async workers(aliveSeconds: number): Promise<WorkerRow[]> {
    const rows = await this.em.getConnection().execute<{ id: string; host: string; pid: number; concurrency: number; started_at: Date; last_seen_at: Date; alive: boolean }[]>(
      `select id, host, pid, concurrency, started_at, last_seen_at, last_seen_at > now() - make_interval(secs => ?) as alive
         from worker_heartbeats order by started_at`,
      [aliveSeconds],
    );
    return rows.map((w) => ({ id: w.id, host: w.host, pid: w.pid, concurrency: w.concurrency, startedAt: new Date(w.started_at), lastSeenAt: new Date(w.last_seen_at), alive: w.alive }));
  }

  async photoCountsByEvent(): Promise<{ eventId: string; eventName: string; status: string; count: number }[]> {
    const rows = await this.em.getConnection().execute<{ event_id: string; name: string; status: string; n: number }[]>(
      `select p.event_id, e.name, p.status, count(*)::int as n from photos p join events e on e.id = p.event_id
        group by p.event_id, e.name, p.status order by e.name, p.event_id`,
    );
    return rows.map((r) => ({ eventId: r.event_id, eventName: r.name, status: r.status, count: r.n }));
  }

  async faceEngineCalls(): Promise<{ scope: string; api: string; calls: number; eventName: string | null }[]> {
    const rows = await this.em.getConnection().execute<{ scope: string; api: string; calls: string; name: string | null }[]>(
      `select c.scope, c.api, c.calls, e.name from face_engine_calls c left join events e on e.id::text = c.scope order by c.scope, c.api`,
    );
    return rows.map((r) => ({ scope: r.scope, api: r.api, calls: Number(r.calls), eventName: r.name }));
  }

  async storedEngineFaces(): Promise<number> {
    const [row] = await this.em.getConnection().execute<{ n: number }[]>(
      `select (select count(*) from faces where engine_face_id is not null) + (select count(*) from selfies where engine_face_id is not null and status = 'ACTIVE') as n`,
    );
    return Number(row?.n ?? 0);
  }

  async databaseVersion(): Promise<string> {
    const [row] = await this.em.getConnection().execute<{ server_version: string }[]>('show server_version');
    return row?.server_version ?? 'unknown';
  }

  async appliedMigrations(): Promise<string[]> {
    const rows = await this.em.getConnection().execute<{ name: string }[]>('select name from mikro_orm_migrations order by id');
    return rows.map((r) => r.name);
  }
}
