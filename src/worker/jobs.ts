import type { Logger } from 'pino';
import type { JobHandler, JobName, JobOutcome, JobQueue } from '../ports/job-queue.js';

/** Every job the system runs: the registry refuses to start without a handler for each. */
export const JOB_NAMES = ['photo.process', 'selfie.process', 'event.match', 'storage.purge', 'digest.send', 'event.delete', 'account.link', 'participant.match', 'drive.poll'] as const satisfies readonly JobName[];

/** A handler and how many jobs of its name one process runs at once. */
export interface JobRegistration<N extends JobName> {
  handler: JobHandler<N>;
  concurrency: number;
}

export type JobRegistrations = { [N in JobName]: JobRegistration<N> };

export class JobRegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobRegistryError';
  }
}

/**
 * Job name → payload type → exactly one handler. Built once at start-up: a
 * job name without a handler (or a handler for no known job) stops the worker
 * before it takes any job, instead of leaving those jobs to pile up.
 */
export class JobRegistry {
  private readonly registrations: Partial<Record<JobName, JobRegistration<JobName>>> = {};

  constructor(private readonly logger: Logger) {}

  register<N extends JobName>(name: N, registration: JobRegistration<N>): this {
    if (!(JOB_NAMES as readonly string[]).includes(name)) throw new JobRegistryError(`No job is called ${name}.`);
    if (this.registrations[name]) throw new JobRegistryError(`Job ${name} already has a handler; each job has exactly one.`);
    this.registrations[name] = registration as unknown as JobRegistration<JobName>;
    return this;
  }

  /** Registers every handler of a complete table (the compiler checks it is complete). */
  registerAll(all: JobRegistrations): this {
    for (const name of JOB_NAMES) this.register(name, all[name] as JobRegistration<typeof name>);
    return this;
  }

  /** Throws unless every job name has its handler. */
  check(): void {
    const missing = JOB_NAMES.filter((name) => !this.registrations[name]);
    if (missing.length > 0) throw new JobRegistryError(`No handler for job ${missing.join(', ')}: the worker cannot start.`);
  }

  /** Checks the table, then starts consuming every job on the queue; each outcome is logged. */
  async start(queue: JobQueue): Promise<void> {
    this.check();
    for (const name of JOB_NAMES) {
      const { handler, concurrency } = this.registrations[name]!;
      await queue.work(name, async (job) => {
        const outcome: JobOutcome = await handler(job);
        this.logger.debug({ job: name, jobId: job.id, outcome }, 'job finished');
        return outcome;
      }, { concurrency });
    }
  }
}
