import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { JobQueue } from '../ports/job-queue.js';
import type { EventBus } from '../ports/event-bus.js';
import { changeStatus } from '../services/photo-status.js';

/** A chore repeated on a timer by every worker process. Chores are idempotent. */
export interface MaintenanceTask {
  name: string;
  intervalSeconds: number;
  run: () => Promise<unknown>;
}

/** Runs each task at its interval (first run soon after start); a failure is logged and tried again next time. */
export class Maintenance {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly logger: Logger) {}

  start(tasks: MaintenanceTask[]): void {
    for (const task of tasks) {
      let busy = false;
      const tick = () => {
        if (busy) return;
        busy = true;
        const run = task
          .run()
          .then((result) => this.logger.debug({ task: task.name, result }, 'maintenance task ran'))
          .catch((err: unknown) => this.logger.error({ err, task: task.name }, 'maintenance task failed'))
          .finally(() => {
            busy = false;
            this.running.delete(run);
          });
        this.running.add(run);
      };
      const first = setTimeout(tick, Math.min(5, task.intervalSeconds) * 1000);
      const timer = setInterval(tick, task.intervalSeconds * 1000);
      first.unref();
      timer.unref();
      this.timers.push(first, timer);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
    await Promise.allSettled([...this.running]);
  }
}

/**
 * Photos left UPLOADED or PROCESSING well past the job timeout have lost their
 * job (a worker died with the queue unreachable, a message expired): queue them
 * again. Processing is idempotent, so a job that was only slow costs a no-op.
 */
export async function requeueStalePhotos(deps: { orm: MikroORM; queue: JobQueue; logger: Logger; staleAfterSeconds: number }): Promise<number> {
  const rows = await deps.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string; status: string }[]>(
      `update photos set updated_at = now()
        where id in (select id from photos where status in ('UPLOADED', 'PROCESSING')
                        and updated_at < now() - make_interval(secs => ?) limit 1000 for update skip locked)
        returning id, status`,
      [deps.staleAfterSeconds],
    );
  for (const row of rows) await deps.queue.enqueue('photo.process', { photoId: row.id }, { key: row.id });
  if (rows.length > 0) deps.logger.warn({ photos: rows.length, staleAfterSeconds: deps.staleAfterSeconds }, 'stale photo jobs queued again');
  return rows.length;
}

/**
 * Photos held by a worker whose heartbeat stopped (a crash, a SIGKILL, a lost
 * machine) go back to UPLOADED and are queued again at once, instead of
 * waiting out the job timeout. A worker beats every 10 s; `silentAfterSeconds`
 * of silence means it is gone.
 */
export async function releaseOrphanedPhotos(deps: { orm: MikroORM; queue: JobQueue; bus: EventBus; logger: Logger; silentAfterSeconds: number }): Promise<number> {
  const em = deps.orm.em.fork();
  const rows = await em.getConnection().execute<{ id: string; worker_id: string }[]>(
    `select p.id, p.worker_id from photos p
      where p.status = 'PROCESSING' and p.worker_id is not null
        and not exists (select 1 from worker_heartbeats h where h.id = p.worker_id and h.last_seen_at > now() - make_interval(secs => ?))
      limit 1000`,
    [deps.silentAfterSeconds],
  );
  if (rows.length === 0) return 0;
  const released = await changeStatus(em, deps.bus, rows.map((r) => r.id), 'released', { workerId: null });
  for (const photo of released) await deps.queue.enqueue('photo.process', { photoId: photo.id }, { key: photo.id });
  deps.logger.warn({ photos: released.length, workers: [...new Set(rows.map((r) => r.worker_id))] }, 'photos of a silent worker queued again');
  return released.length;
}
