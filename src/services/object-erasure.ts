import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import type { JobContext, JobOutcome, JobQueue } from '../ports/job-queue.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Sealer } from '../ports/sealer.js';

/** Margin past the last upload link's expiry before the second sweep. */
const GRACE_SECONDS = 60;

/**
 * Erasing objects by prefix (a photo, an event, a user's selfies), twice: at
 * once, and again once every upload link that could still write under the
 * prefix has expired. A store that cannot refuse a second upload through a
 * signed link (S3 presigned POSTs) cannot bring erased data back that way.
 * The prefix names a person or an event, and job rows outlive the erasure in
 * the queue's archive: it waits there sealed with the server's key.
 */
export class ObjectErasure {
  constructor(
    private readonly deps: { store: ObjectStore; queue: JobQueue; sealer: Sealer; clock: Clock; logger: Logger; uploadUrlTtlSeconds: number },
  ) {}

  async erase(prefix: string): Promise<void> {
    await this.deps.store.deletePrefix(prefix);
    const delaySeconds = this.deps.uploadUrlTtlSeconds + GRACE_SECONDS;
    const notBefore = new Date(this.deps.clock.now().getTime() + delaySeconds * 1000).toISOString();
    const sealedPrefix = this.deps.sealer.seal(prefix);
    await this.deps.queue.enqueue('storage.purge', { sealedPrefix, notBefore }, { key: jobKey(sealedPrefix), delaySeconds });
  }

  /** The second sweep ('storage.purge' jobs); queues always allow shorter delays than we ask, so it waits again if early. */
  readonly handle = async (job: JobContext<'storage.purge'>): Promise<JobOutcome> => {
    const { sealedPrefix, notBefore } = job.payload;
    const wait = Math.ceil((new Date(notBefore).getTime() - this.deps.clock.now().getTime()) / 1000);
    if (wait > 0) {
      await this.deps.queue.enqueue('storage.purge', job.payload, { key: jobKey(job.payload.sealedPrefix), delaySeconds: wait });
      return 'deferred';
    }
    await this.deps.store.deletePrefix(this.deps.sealer.open(sealedPrefix));
    this.deps.logger.info({ jobId: job.id }, 'erased prefix swept again after its upload links expired');
    return 'done';
  };
}

/** One waiting sweep per erasure (queues keep one waiting job per key). */
function jobKey(sealedPrefix: string): string {
  return `purge:${createHash('sha256').update(sealedPrefix).digest('hex').slice(0, 32)}`;
}
