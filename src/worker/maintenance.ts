import type { Logger } from 'pino';
import type { JobQueue } from '../ports/job-queue.js';
import type { PhotoRepository } from '../ports/repositories/photo.repository.js';
import type { EventBus } from '../ports/event-bus.js';
import { changeStatus } from '../services/photo-status.js';
import { PhotoStatus } from '../domain/entities/index.js';

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
export async function requeueStalePhotos(deps: { photos: PhotoRepository; queue: JobQueue; logger: Logger; staleAfterSeconds: number }): Promise<number> {
  const ids = await deps.photos.claimStale(deps.staleAfterSeconds, 1000);
  for (const id of ids) await deps.queue.enqueue('photo.process', { photoId: id }, { key: id });
  if (ids.length > 0) deps.logger.warn({ photos: ids.length, staleAfterSeconds: deps.staleAfterSeconds }, 'stale photo jobs queued again');
  return ids.length;
}

/**
 * Photos held by a worker whose heartbeat stopped (a crash, a SIGKILL, a lost
 * machine) go back to UPLOADED and are queued again at once, instead of
 * waiting out the job timeout. A worker beats every 10 s; `silentAfterSeconds`
 * of silence means it is gone. So are photos whose job was handed to a
 * consumer that died before it could mark them PROCESSING (a consumer marks
 * a photo within milliseconds of taking its job): still UPLOADED while their
 * job has been out for `silentAfterSeconds`. Queuing again is harmless when
 * a job already waits (one waiting job per key) or the photo ends first.
 */
export async function releaseOrphanedPhotos(deps: { photos: PhotoRepository; queue: JobQueue; bus: EventBus; logger: Logger; silentAfterSeconds: number }): Promise<number> {
  const held = await deps.photos.heldBySilentWorkers(deps.silentAfterSeconds, 1000);
  const released = held.length > 0 ? await changeStatus(deps.photos, deps.bus, held.map((h) => h.id), 'released', { workerId: null }) : [];
  const unclaimed = await deps.photos.withStatus(await deps.queue.deliveredBefore('photo.process', deps.silentAfterSeconds), PhotoStatus.UPLOADED);
  const again = [...new Set([...released, ...unclaimed])];
  for (const id of again) await deps.queue.enqueue('photo.process', { photoId: id }, { key: id });
  if (again.length > 0) {
    deps.logger.warn({ photos: again.length, unclaimed: unclaimed.length, workers: [...new Set(held.map((h) => h.workerId))] }, 'photos of a silent worker queued again');
  }
  return again.length;
}
