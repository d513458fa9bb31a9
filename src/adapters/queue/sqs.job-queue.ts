import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { JobContext, JobHandler, JobName, JobPayloads, JobQueue, QueueStats } from '../../ports/job-queue.js';
import type { JobKeys } from '../../ports/job-keys.js';
import { parseOriginalKey } from '../../domain/object-keys.js';

export interface SqsQueueOptions {
  queueUrl: string;
  visibilityTimeoutSeconds: number;
  waitTimeSeconds: number;
  /** Must equal the queue's redrive maxReceiveCount: the attempt that reaches it is the last. */
  maxAttempts: number;
  retryDelaySeconds: number;
  logger: Logger;
  /** Claims of waiting jobs' keys: SQS standard queues cannot deduplicate by key themselves. */
  keys: JobKeys;
}

interface Envelope {
  name: JobName;
  payload: JobPayloads[JobName];
  /** The job's key, freed when the job starts. */
  key?: string;
}

/**
 * Amazon SQS: long polling, batches of up to 10, visibility extended while a
 * job runs, deleted on success only. Failures come back after a backoff (by
 * shortening the visibility timeout); the attempt that reaches maxAttempts is
 * the last, and SQS's redrive policy then moves the message to the DLQ.
 * S3 ObjectCreated notifications for originals are accepted as photo jobs.
 * A job key is honoured as the port promises: while a job with the key waits,
 * another is not sent (the claim is kept in `keys` and freed when it starts).
 */
export class SqsJobQueue implements JobQueue {
  readonly driver = 'sqs' as const;
  private running = false;
  private readonly abort = new AbortController();
  private readonly inFlight = new Map<string, { message: Message; done: Promise<void> }>();
  private loop: Promise<void> | undefined;
  private readonly handlers = new Map<JobName, JobHandler<JobName>>();
  private concurrency = 1;

  constructor(
    private readonly client: SQSClient,
    private readonly options: SqsQueueOptions,
  ) {}

  static create(options: SqsQueueOptions & { region: string | undefined }): SqsJobQueue {
    return new SqsJobQueue(new SQSClient(options.region ? { region: options.region } : {}), options);
  }

  async start(): Promise<void> {}

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: { key?: string; delaySeconds?: number } = {}): Promise<void> {
    const delaySeconds = options.delaySeconds ? Math.min(900, Math.round(options.delaySeconds)) : 0;
    const key = options.key ? `${name}:${options.key}` : undefined;
    // A claim outlives the wait and one visibility timeout, so a lost message cannot hold its key for ever.
    if (key && !(await this.options.keys.claim(key, delaySeconds + this.options.visibilityTimeoutSeconds + 60))) return;
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.options.queueUrl,
          MessageBody: JSON.stringify({ name, payload, ...(key ? { key } : {}) }),
          ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}),
        }),
      );
    } catch (err) {
      if (key) await this.options.keys.release(key).catch(() => undefined);
      throw err;
    }
  }

  /** One queue carries every job name: a single poll loop dispatches by name. */
  async work<N extends JobName>(name: N, handler: JobHandler<N>, { concurrency }: { concurrency: number }): Promise<void> {
    this.handlers.set(name, handler as unknown as JobHandler<JobName>);
    this.concurrency = Math.max(this.concurrency, concurrency);
    this.running = true;
    this.loop ??= this.poll();
  }

  async stop({ graceSeconds = 30 }: { graceSeconds?: number } = {}): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
    const deadline = new Promise((r) => setTimeout(r, graceSeconds * 1000).unref());
    await Promise.race([Promise.all([...this.inFlight.values()].map((f) => f.done)), deadline]);
    // Whatever is still running is released to another worker at once.
    await Promise.all(
      [...this.inFlight.values()].map(({ message }) =>
        this.setVisibility(message, 0).catch((err: unknown) => this.options.logger.warn({ err }, 'could not release message')),
      ),
    );
  }

  async stats(): Promise<QueueStats> {
    const out = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      driver: this.driver,
      waiting: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
      active: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      // Failed jobs wait in the dead-letter queue (see its own metrics); SQS does not tell the age here.
      failed: 0,
      oldestWaitingSeconds: null,
    };
  }

  /** None: a message whose consumer stopped extending its visibility is delivered again by SQS itself. */
  async deliveredBefore(): Promise<string[]> {
    return [];
  }

  private async poll(): Promise<void> {
    const { logger } = this.options;
    while (this.running) {
      const concurrency = this.concurrency;
      const free = concurrency - this.inFlight.size;
      if (free <= 0) {
        await Promise.race([...this.inFlight.values()].map((f) => f.done));
        continue;
      }
      let messages: Message[] = [];
      try {
        const out = await this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: Math.min(10, free),
            WaitTimeSeconds: this.options.waitTimeSeconds,
            VisibilityTimeout: this.options.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (err) {
        if (!this.running) break;
        logger.warn({ err }, 'SQS receive failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      for (const message of messages) {
        // SQS returns at most what we asked for; this guard keeps the bound whatever arrives.
        while (this.inFlight.size >= concurrency) await Promise.race([...this.inFlight.values()].map((f) => f.done));
        const id = message.MessageId ?? message.ReceiptHandle ?? String(Math.random());
        const done = this.handle(message).finally(() => this.inFlight.delete(id));
        this.inFlight.set(id, { message, done });
      }
    }
  }

  private async handle(message: Message): Promise<void> {
    const { logger, maxAttempts, visibilityTimeoutSeconds } = this.options;
    const attempt = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const jobs = this.decode(message);
    if (jobs === null || jobs.some((j) => !this.handlers.has(j.name))) {
      logger.error({ messageId: message.MessageId }, 'unreadable SQS message left for the dead-letter queue');
      return;
    }
    // Keep the message invisible while we work: extend before half the timeout passes.
    const heartbeat = setInterval(() => {
      this.setVisibility(message, visibilityTimeoutSeconds).catch((err: unknown) =>
        logger.warn({ err, messageId: message.MessageId }, 'SQS heartbeat failed'),
      );
    }, (visibilityTimeoutSeconds * 1000) / 2);
    try {
      for (const { name, payload, key } of jobs) {
        // Started: a new job with the same key may wait again (as with pg-boss).
        if (key) await this.options.keys.release(key);
        const job: JobContext = { id: message.MessageId ?? '', name, payload, attempt, maxAttempts, isLastAttempt: attempt >= maxAttempts };
        await this.handlers.get(name)!(job);
      }
      clearInterval(heartbeat);
      await this.client.send(new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle }));
    } catch (err) {
      clearInterval(heartbeat);
      if (attempt >= maxAttempts) {
        logger.error({ err, messageId: message.MessageId, attempt }, 'job failed on its last attempt; SQS redrive moves it to the DLQ');
        return;
      }
      const delay = Math.min(this.options.retryDelaySeconds * 2 ** (attempt - 1), 43_200);
      logger.warn({ err, messageId: message.MessageId, attempt, retryInSeconds: delay }, 'job failed; will retry');
      await this.setVisibility(message, delay).catch(() => undefined);
    }
  }

  /** A job envelope, or the originals an S3 notification announces; [] for S3's test event; null when unreadable. */
  private decode(message: Message): Envelope[] | null {
    try {
      const body = JSON.parse(message.Body ?? '') as Partial<Envelope> & {
        Records?: { eventSource?: string; eventName?: string; s3?: { object?: { key?: string } } }[];
        Event?: string;
      };
      if (body.Event === 's3:TestEvent') return [];
      if (Array.isArray(body.Records)) {
        return body.Records.filter((r) => r.eventSource === 'aws:s3' && r.eventName?.startsWith('ObjectCreated:'))
          .map((r) => parseOriginalKey(decodeURIComponent((r.s3?.object?.key ?? '').replace(/\+/g, ' '))))
          .filter((k) => k !== null)
          .map((k) => ({ name: 'photo.process' as const, payload: { photoId: k.photoId } }));
      }
      if (body.name && body.payload) return [{ name: body.name, payload: body.payload, ...(typeof body.key === 'string' ? { key: body.key } : {}) }];
      return null;
    } catch {
      return null;
    }
  }

  private async setVisibility(message: Message, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: seconds }),
    );
  }
}
