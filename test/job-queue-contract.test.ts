import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { PgJobKeys } from '../src/adapters/pg/pg.job-keys.js';
import { PgBossJobQueue } from '../src/adapters/queue/pg-boss.job-queue.js';
import { SqsJobQueue } from '../src/adapters/queue/sqs.job-queue.js';
import { createLogger } from '../src/logger.js';
import type { JobQueue } from '../src/ports/job-queue.js';
import { PgPhotoRepository } from '../src/adapters/pg/pg.photo.repository.js';
import { releaseOrphanedPhotos } from '../src/worker/maintenance.js';
import { newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';

const EVENT = '7e1d2c3b-4a5e-4f6a-8b9c-0d1e2f3a4b5c';

/**
 * The JobQueue port's promise, held against every adapter: a job already
 * waiting with the same key is not duplicated; once it has started, the key
 * may be used again; jobs without a key are never merged.
 */
async function keyContract(queue: JobQueue): Promise<void> {
  const seen: string[] = [];
  let release: () => void = () => undefined;
  const firstStarted = new Promise<void>((resolve) => (release = resolve));
  await queue.enqueue('event.match', { eventId: EVENT }, { key: `event-match:${EVENT}` });
  await queue.enqueue('event.match', { eventId: EVENT }, { key: `event-match:${EVENT}` });
  await queue.enqueue('event.match', { eventId: EVENT }, { key: `event-match:${EVENT}` });
  await queue.work(
    'event.match',
    async (job) => {
      seen.push(job.payload.eventId);
      release();
      return 'done';
    },
    { concurrency: 1 },
  );
  await firstStarted;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(seen.length, 1, 'three enqueues with one key while it waited: one job');
  await queue.enqueue('event.match', { eventId: EVENT }, { key: `event-match:${EVENT}` });
  for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(seen.length, 2, 'after the job started, the key waits again');
  await queue.enqueue('storage.purge', { sealedPrefix: 'a', notBefore: new Date(0).toISOString() });
  await queue.enqueue('storage.purge', { sealedPrefix: 'b', notBefore: new Date(0).toISOString() });
  const purged: string[] = [];
  await queue.work('storage.purge', async (job) => (purged.push(job.payload.sealedPrefix), 'done'), { concurrency: 1 });
  for (let i = 0; i < 100 && purged.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(purged.sort(), ['a', 'b'], 'jobs without a key are never merged');
}

describe('JobQueue port: job keys, against every adapter', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { PHOTO_WORKER_ENABLED: 'false' } });
  });
  after(() => server.close());

  it('pg-boss (PostgreSQL): should honour job keys', async () => {
    const queue = new PgBossJobQueue({
      connectionString: server.databaseUrl,
      maxAttempts: 3,
      retryDelaySeconds: 1,
      jobTimeoutSeconds: 30,
      maintenanceIntervalSeconds: 30,
      logger: createLogger('silent'),
    });
    await queue.start();
    try {
      await keyContract(queue);
    } finally {
      await queue.stop({ graceSeconds: 1 });
    }
  });

  it('SQS (SDK mocked as a queue), keys claimed in PostgreSQL: should honour job keys', async () => {
    const sqs: AwsClientStub<SQSClient> = mockClient(SQSClient);
    const waiting: Message[] = [];
    let n = 0;
    sqs.on(SendMessageCommand).callsFake((input: { MessageBody: string }) => {
      n += 1;
      waiting.push({ MessageId: `m${n}`, ReceiptHandle: `rh${n}`, Body: input.MessageBody, Attributes: { ApproximateReceiveCount: '1' } });
      return { MessageId: `m${n}` };
    });
    sqs.on(ReceiveMessageCommand).callsFake(async (input: { MaxNumberOfMessages: number }) => {
      if (waiting.length === 0) await new Promise((r) => setTimeout(r, 50));
      return { Messages: waiting.splice(0, input.MaxNumberOfMessages) };
    });
    sqs.on(DeleteMessageCommand).resolves({});
    const queue = new SqsJobQueue(new SQSClient({ region: 'eu-west-3' }), {
      queueUrl: 'https://sqs.eu-west-3.amazonaws.com/123456789012/findme-photos',
      visibilityTimeoutSeconds: 30,
      waitTimeSeconds: 1,
      maxAttempts: 3,
      retryDelaySeconds: 1,
      logger: createLogger('silent'),
      keys: new PgJobKeys(() => server.app.db.orm.em.fork()),
    });
    try {
      await keyContract(queue);
      assert.equal(sqs.commandCalls(SendMessageCommand).length, 4, 'duplicates were not even sent');
    } finally {
      await queue.stop({ graceSeconds: 1 });
      sqs.restore();
    }
  });
});

/**
 * A consumer that takes a photo's job and dies before marking the photo
 * PROCESSING leaves nothing for the heartbeat rule to see: the photo is still
 * UPLOADED and pg-boss keeps its job active until the job timeout. The
 * orphan release finds it through the queue and queues it again.
 */
describe('a photo job taken by a consumer that died at once', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher });
  });
  after(() => server.close());

  it('should be queued again by the orphan release, and the photo ends DONE', async () => {
    const { owner, eventId } = await newEvent(server, 'Orphans');
    const [photoId] = await uploadPhotos(server, owner, eventId, [{ name: 'a.jpg', bytes: (await generatedPhotos(1, 300))[0]! }]);
    const doomed = new PgBossJobQueue({
      connectionString: server.databaseUrl,
      maxAttempts: 3,
      retryDelaySeconds: 1,
      jobTimeoutSeconds: 300,
      maintenanceIntervalSeconds: 300,
      logger: createLogger('silent'),
    });
    await doomed.start();
    let taken: (id: string) => void = () => undefined;
    const took = new Promise<string>((resolve) => (taken = resolve));
    let abandon: () => void = () => undefined;
    const hang = new Promise<never>((_, reject) => (abandon = () => reject(new Error('abandoned'))));
    hang.catch(() => undefined);
    await doomed.work('photo.process', (job) => (taken(job.payload.photoId), hang), { concurrency: 1 });
    assert.equal(await took, photoId);
    // The consumer hangs with the job, as one killed would: pg-boss keeps the job active.

    const photos = new PgPhotoRepository(() => server.app.db.orm.em.fork());
    const release = () => releaseOrphanedPhotos({ photos, queue: server.app.queue, bus: server.app.bus, logger: createLogger('silent'), silentAfterSeconds: 2 });
    assert.equal(await release(), 0, 'a job out for less than the silence is left alone');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await release(), 1);
    await server.app.startWorker();
    assert.equal((await waitForPhoto(server, owner, photoId!)).status, 'DONE');
    assert.equal(await release(), 0, 'a finished photo is not queued again');
    abandon();
    await doomed.stop({ graceSeconds: 1 });
  });
});
