/** The links FindMe emails to prove an address. */
export type EmailedLink = 'sign-in-link' | 'password-reset';

/** Every job the system runs, by name, with its payload. */
export interface JobPayloads {
  'photo.process': { photoId: string };
  'selfie.process': { selfieId: string | null; jobId: string };
  /** Search an event's participants in its photos processed since the last search (batched). */
  'event.match': { eventId: string };
  /** Delete everything under an erased prefix (sealed: it names a person or event) again, once no upload link can write there (ISO time). */
  'storage.purge': { sealedPrefix: string; notBefore: string };
  /** Delete an event marked for deletion: engine collection, objects, photos (in batches), then the row. */
  'event.delete': { eventId: string };
  /** Email a guest who asked for it about their new photos of an event (batched). */
  'digest.send': { userId: string; eventId: string };
  /**
   * Mail a sign-in or password-reset link to the account with this address, if
   * there is one: off the request path, so asking answers alike for every address.
   */
  'account.link': { link: EmailedLink; email: string };
  /** Search one guest in an event's photos (they were just approved). */
  'participant.match': { eventId: string; userId: string };
  /** Check a connected Google Drive folder for new photos and import them (one check at a time per folder). */
  'drive.poll': { importId: string };
}

export type JobName = keyof JobPayloads;

export interface JobContext<N extends JobName = JobName> {
  id: string;
  name: N;
  payload: JobPayloads[N];
  /** 1 for the first delivery. */
  attempt: number;
  maxAttempts: number;
  /** True when a failure now will not be retried: the handler records the final outcome. */
  isLastAttempt: boolean;
}

/** What a handler did with its job (logged and counted); throwing instead asks for a retry. */
export type JobOutcome = 'done' | 'skipped' | 'failed' | 'deferred';

/** Resolving acknowledges the job; throwing asks for a retry (or the dead-letter queue after the last attempt). */
export type JobHandler<N extends JobName> = (job: JobContext<N>) => Promise<JobOutcome>;

export interface QueueStats {
  driver: string;
  waiting: number;
  active: number;
  failed: number;
  /** Age of the oldest waiting job, in seconds; null when none waits or the driver cannot tell. */
  oldestWaitingSeconds: number | null;
}

/**
 * A durable, at-least-once job queue. Handlers must be idempotent: a job can be
 * delivered again after a crash or a timeout.
 */
export interface JobQueue {
  readonly driver: 'postgres' | 'sqs';
  start(): Promise<void>;
  /** Enqueues a job (after `delaySeconds`); a job already waiting with the same key is not duplicated. */
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options?: { key?: string; delaySeconds?: number }): Promise<void>;
  /** Starts consuming `name` with up to `concurrency` jobs at once. */
  work<N extends JobName>(name: N, handler: JobHandler<N>, options: { concurrency: number }): Promise<void>;
  /** Stops taking jobs, waits for the ones in flight (up to the grace period), releases the rest. */
  stop(options?: { graceSeconds?: number }): Promise<void>;
  stats(name: JobName): Promise<QueueStats>;
  /**
   * Keys of `name` jobs handed to a consumer more than `seconds` ago and not
   * finished: still running, or held by a consumer that died before it could
   * record anything. A queue whose deliveries come back by themselves when
   * their consumer stops (SQS's visibility timeout) returns none.
   */
  deliveredBefore(name: JobName, seconds: number): Promise<string[]>;
}
