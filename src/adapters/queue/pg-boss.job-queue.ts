import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { JobHandler, JobName, JobPayloads, JobQueue, QueueStats } from '../../ports/job-queue.js';

export interface PgBossQueueOptions {
  connectionString: string;
  maxAttempts: number;
  retryDelaySeconds: number;
  /** The worst case of one job; a job active longer is presumed dead and retried. */
  jobTimeoutSeconds: number;
  maintenanceIntervalSeconds: number;
  logger: Logger;
}

/** pg-boss queue names allow letters, digits, `_` and `-` only. */
const queueName = (name: JobName) => name.replace(/\./g, '-');

/**
 * A PostgreSQL-backed queue (pg-boss 10). Changed from its defaults: retries
 * with exponential backoff, a dead-letter queue per job name, expiry from the
 * real worst case (not 15 minutes), and one waiting job per key.
 */
export class PgBossJobQueue implements JobQueue {
  readonly driver = 'postgres' as const;
  private readonly boss: PgBoss;
  private readonly prepared = new Set<JobName>();
  private readonly workerIds = new Map<JobName, string[]>();

  constructor(private readonly options: PgBossQueueOptions) {
    this.boss = new PgBoss({
      connectionString: options.connectionString,
      max: 4,
      application_name: 'findme-queue',
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds,
      monitorStateIntervalSeconds: 60,
      schedule: false,
    });
    this.boss.on('error', (err) => options.logger.error({ err }, 'job queue error'));
  }

  async start(): Promise<void> {
    await this.boss.start();
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: { key?: string; delaySeconds?: number } = {}): Promise<void> {
    await this.prepare(name);
    // With the `short` policy a second job with the same key is dropped while one is waiting. That
    // policy treats "no key" as one key too: a job without a key gets a key of its own.
    await this.boss.send(queueName(name), payload, {
      singletonKey: options.key ?? `unkeyed:${randomUUID()}`,
      ...(options.delaySeconds ? { startAfter: options.delaySeconds } : {}),
    });
    // Wake this process's idle consumers now rather than at their next poll.
    for (const id of this.workerIds.get(name) ?? []) this.boss.notifyWorker(id);
  }

  async work<N extends JobName>(name: N, handler: JobHandler<N>, { concurrency }: { concurrency: number }): Promise<void> {
    await this.prepare(name);
    const { maxAttempts } = this.options;
    // pg-boss 10 has no team size: each work() call is one serial consumer.
    const ids: string[] = [];
    this.workerIds.set(name, ids);
    for (let i = 0; i < concurrency; i++) {
      let workerId = '';
      workerId = await this.boss.work<JobPayloads[N]>(
        queueName(name),
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 },
        async (jobs) => {
          try {
            for (const job of jobs) {
              const attempt = job.retryCount + 1;
              await handler({ id: job.id, name, payload: job.data, attempt, maxAttempts, isLastAttempt: attempt >= maxAttempts });
            }
          } finally {
            // pg-boss otherwise sleeps out the polling interval even when more jobs wait.
            if (workerId) this.boss.notifyWorker(workerId);
          }
        },
      );
      ids.push(workerId);
    }
  }

  async stop({ graceSeconds = 30 }: { graceSeconds?: number } = {}): Promise<void> {
    // Graceful: stop fetching, wait for jobs in flight. pg-boss fails any still
    // running at the deadline, so they are retried (after the backoff) by another worker.
    await this.boss.stop({ graceful: true, wait: true, timeout: graceSeconds * 1000 });
  }

  async stats(name: JobName): Promise<QueueStats> {
    const { rows } = await this.boss.getDb().executeSql(
      `select state, count(*)::int as n,
              extract(epoch from now() - min(created_on) filter (where state in ('created', 'retry')))::float as oldest
         from pgboss.job where name = $1 group by state`,
      [queueName(name)],
    );
    const by = Object.fromEntries(rows.map((r: { state: string; n: number }) => [r.state, r.n])) as Record<string, number>;
    const ages = rows.map((r: { oldest: number | null }) => r.oldest).filter((a: number | null): a is number => a !== null);
    return {
      driver: this.driver,
      waiting: (by['created'] ?? 0) + (by['retry'] ?? 0),
      active: by['active'] ?? 0,
      failed: by['failed'] ?? 0,
      oldestWaitingSeconds: ages.length > 0 ? Math.max(...ages) : null,
    };
  }

  async deliveredBefore(name: JobName, seconds: number): Promise<string[]> {
    // pg-boss has no lease: an active job whose consumer died stays active until its expiry (the job timeout).
    const { rows } = await this.boss.getDb().executeSql(
      `select singleton_key as key from pgboss.job
        where name = $1 and state = 'active' and started_on < now() - make_interval(secs => $2)
          and singleton_key is not null and singleton_key not like 'unkeyed:%'
        limit 1000`,
      [queueName(name), seconds],
    );
    return rows.map((r: { key: string }) => r.key);
  }

  /**
   * Creates the job's queue and dead-letter queue once per process. Processes
   * starting together (two `findme worker`) run pg-boss's DDL at once, which
   * PostgreSQL can answer with a deadlock or a duplicate: the loser tries again.
   */
  private async prepare(name: JobName): Promise<void> {
    if (this.prepared.has(name)) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.createQueues(name);
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if ((code !== '40P01' && code !== '23505') || attempt >= 8) throw err;
        await new Promise((r) => setTimeout(r, 25 * attempt + Math.random() * 100));
      }
    }
    this.prepared.add(name);
  }

  private async createQueues(name: JobName): Promise<void> {
    const { maxAttempts, retryDelaySeconds, jobTimeoutSeconds } = this.options;
    const dlq = `${queueName(name)}-dlq`;
    await this.boss.createQueue(dlq, { name: dlq, policy: 'standard', retentionMinutes: 60 * 24 * 14 });
    const settings = {
      name: queueName(name),
      policy: 'short' as const,
      retryLimit: maxAttempts - 1,
      retryDelay: retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: jobTimeoutSeconds,
      deadLetter: dlq,
    };
    await this.boss.createQueue(queueName(name), settings);
    // createQueue keeps an existing queue's settings; apply the configured ones.
    await this.boss.updateQueue(queueName(name), settings);
  }
}
