import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { DisabledFaceEngine } from '../src/adapters/faces/disabled.face-engine.js';
import { SqsJobQueue } from '../src/adapters/queue/sqs.job-queue.js';
import { createLogger } from '../src/logger.js';
import type { JobContext } from '../src/ports/job-queue.js';
import { CompletePhotoUploadsDocument, RequestPhotoUploadsDocument } from './generated/graphql.js';
import { newEvent, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer } from './support/harness.js';
import { devGroupPhoto } from './support/images.js';
import { uploadTo } from './support/upload.js';

const QUEUE_URL = 'https://sqs.eu-west-3.amazonaws.com/123456789012/findme-photos';
const PHOTO = '0b6c5d2e-6f0e-4d7a-9f4a-1d2c3b4a5e6f';
const EVENT = '7e1d2c3b-4a5e-4f6a-8b9c-0d1e2f3a4b5c';

function jobMessage(photoId: string, receiveCount: number, n = 1): Message {
  return {
    MessageId: `m-${photoId}-${n}`,
    ReceiptHandle: `rh-${photoId}-${n}`,
    Body: JSON.stringify({ name: 'photo.process', payload: { photoId } }),
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}

describe('SQS job queue (aws-sdk-client-mock)', () => {
  let sqs: AwsClientStub<SQSClient>;
  let queue: SqsJobQueue;
  const handled: JobContext<'photo.process'>[] = [];

  /** Serves `batches` to successive ReceiveMessage calls, then empty long polls. */
  function serve(...batches: Message[][]) {
    let call = 0;
    sqs.on(ReceiveMessageCommand).callsFake(async () => {
      const batch = batches[call++];
      if (batch) return { Messages: batch };
      await new Promise((r) => setTimeout(r, 50));
      return { Messages: [] };
    });
  }

  function makeQueue(visibilityTimeoutSeconds = 30) {
    queue = new SqsJobQueue(new SQSClient({ region: 'eu-west-3' }), {
      queueUrl: QUEUE_URL,
      visibilityTimeoutSeconds,
      waitTimeSeconds: 20,
      maxAttempts: 3,
      retryDelaySeconds: 5,
      logger: createLogger('silent'),
      keys: { claim: async () => true, release: async () => undefined },
    });
  }

  const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));
  /** Waits until `condition` holds (CI machines can be slow), then a moment more for stray calls. */
  async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not reached');
      await settle(20);
    }
    await settle(100);
  }

  beforeEach(() => {
    sqs = mockClient(SQSClient);
    handled.length = 0;
    makeQueue();
  });
  afterEach(async () => {
    await queue.stop({ graceSeconds: 1 });
    sqs.restore();
  });

  it('should send jobs as JSON envelopes', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: '1' });
    await queue.enqueue('photo.process', { photoId: PHOTO });
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    assert.equal(sent.QueueUrl, QUEUE_URL);
    assert.deepEqual(JSON.parse(sent.MessageBody!), { name: 'photo.process', payload: { photoId: PHOTO } });
  });

  it('should long-poll in batches, run the handler and delete the message on success only', async () => {
    serve([jobMessage(PHOTO, 1)]);
    await queue.work('photo.process', async (job) => (handled.push(job as JobContext<'photo.process'>), 'done' as const), { concurrency: 4 });
    await waitFor(() => sqs.commandCalls(DeleteMessageCommand).length === 1);
    const receive = sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input;
    assert.equal(receive.WaitTimeSeconds, 20);
    assert.equal(receive.MaxNumberOfMessages, 4);
    assert.equal(receive.VisibilityTimeout, 30);
    assert.deepEqual(receive.MessageSystemAttributeNames, ['ApproximateReceiveCount']);
    assert.equal(handled.length, 1);
    assert.deepEqual(
      { photoId: handled[0]!.payload.photoId, attempt: handled[0]!.attempt, last: handled[0]!.isLastAttempt },
      { photoId: PHOTO, attempt: 1, last: false },
    );
    const deletes = sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle);
    assert.deepEqual(deletes, [`rh-${PHOTO}-1`]);
  });

  it('should extend the visibility timeout while a job runs (heartbeat)', async () => {
    makeQueue(1);
    serve([jobMessage(PHOTO, 1)]);
    await queue.work('photo.process', async () => { await settle(1300); return 'done' as const; }, { concurrency: 1 });
    await waitFor(() => sqs.commandCalls(DeleteMessageCommand).length === 1);
    const beats = sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
    assert.ok(beats.length >= 2, `${beats.length} heartbeats`);
    assert.ok(beats.every((b) => b.VisibilityTimeout === 1 && b.ReceiptHandle === `rh-${PHOTO}-1`));
    assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 1);
  });

  it('should not delete a failed job and bring it back after a backoff', async () => {
    serve([jobMessage(PHOTO, 2)]);
    await queue.work('photo.process', async () => { throw new Error('boom'); }, { concurrency: 1 });
    await waitFor(() => sqs.commandCalls(ChangeMessageVisibilityCommand).length === 1);
    assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 0);
    const change = sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.VisibilityTimeout);
    assert.deepEqual(change, [10], 'retry delay 5 s × 2^(attempt-1)');
  });

  it('should tell the handler about the last attempt and leave the failed message to the redrive policy', async () => {
    serve([jobMessage(PHOTO, 3)]);
    await queue.work('photo.process', async (job) => {
      handled.push(job as JobContext<'photo.process'>);
      throw new Error('still broken');
    }, { concurrency: 1 });
    await waitFor(() => handled.length === 1);
    assert.equal(handled[0]!.isLastAttempt, true);
    assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 0);
    assert.equal(sqs.commandCalls(ChangeMessageVisibilityCommand).length, 0, 'no backoff: SQS moves it to the DLQ');
  });

  it('should accept S3 ObjectCreated notifications for originals and ignore the S3 test event', async () => {
    const s3Event: Message = {
      MessageId: 's3-1',
      ReceiptHandle: 'rh-s3-1',
      Attributes: { ApproximateReceiveCount: '1' },
      Body: JSON.stringify({
        Records: [
          { eventSource: 'aws:s3', eventName: 'ObjectCreated:Post', s3: { object: { key: `events/${EVENT}/photos/${PHOTO}/original` } } },
          { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { object: { key: `events/${EVENT}/photos/${PHOTO}/display.jpg` } } },
        ],
      }),
    };
    const testEvent: Message = { MessageId: 't', ReceiptHandle: 'rh-test', Attributes: { ApproximateReceiveCount: '1' }, Body: JSON.stringify({ Event: 's3:TestEvent' }) };
    serve([s3Event, testEvent]);
    await queue.work('photo.process', async (job) => (handled.push(job as JobContext<'photo.process'>), 'done' as const), { concurrency: 4 });
    await waitFor(() => sqs.commandCalls(DeleteMessageCommand).length === 2);
    assert.deepEqual(handled.map((j) => j.payload.photoId), [PHOTO], 'derived files do not trigger processing');
    assert.deepEqual(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle).sort(), ['rh-s3-1', 'rh-test']);
  });

  it('should run a batch of ten with bounded concurrency', async () => {
    const batch = Array.from({ length: 10 }, (_, i) => jobMessage(`00000000-0000-4000-8000-00000000000${i}`, 1, i));
    serve(batch);
    let running = 0;
    let peak = 0;
    await queue.work('photo.process', async (job) => {
      running++;
      peak = Math.max(peak, running);
      await settle(50);
      running--;
      handled.push(job as JobContext<'photo.process'>);
      return 'done' as const;
    }, { concurrency: 3 });
    await waitFor(() => sqs.commandCalls(DeleteMessageCommand).length === 10);
    assert.equal(handled.length, 10);
    assert.ok(peak <= 3, `peak concurrency ${peak}`);
    assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 10);
  });

  it('should leave an unreadable message for the dead-letter queue', async () => {
    serve([{ MessageId: 'x', ReceiptHandle: 'rh-x', Body: 'not json', Attributes: { ApproximateReceiveCount: '1' } }]);
    await queue.work('photo.process', async (job) => (handled.push(job as JobContext<'photo.process'>), 'done' as const), { concurrency: 1 });
    await waitFor(() => sqs.commandCalls(ReceiveMessageCommand).length >= 2);
    assert.equal(handled.length, 0);
    assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 0);
  });
});

describe('photo pipeline on SQS', () => {
  it('should mark the photo FAILED on the last receive and leave the message for the DLQ', async () => {
    const sqs = mockClient(SQSClient);
    const sent: string[] = [];
    sqs.on(SendMessageCommand).callsFake(async (input: { MessageBody: string }) => {
      sent.push(input.MessageBody);
      return { MessageId: String(sent.length) };
    });
    let delivered = 0;
    sqs.on(ReceiveMessageCommand).callsFake(async () => {
      const body = sent[delivered];
      if (body === undefined) {
        await new Promise((r) => setTimeout(r, 50));
        return { Messages: [] };
      }
      delivered++;
      return { Messages: [{ MessageId: `m${delivered}`, ReceiptHandle: `rh${delivered}`, Body: body, Attributes: { ApproximateReceiveCount: '3' } }] };
    });
    const failingEngine = new (class extends DisabledFaceEngine {
      override async indexPhotoFaces(): Promise<never> {
        throw new Error('engine down');
      }
    })();
    const server = await startTestServer({
      hasher: plainHasher,
      worker: true,
      faces: failingEngine,
      env: { PHOTO_SQS_QUEUE_URL: QUEUE_URL, AWS_REGION: 'eu-west-3', PHOTO_JOB_MAX_ATTEMPTS: '3' },
    });
    try {
      assert.equal(server.app.queue.driver, 'sqs', 'a queue URL selects SQS');
      const { owner, eventId } = await newEvent(server, 'SQS');
      const bytes = await devGroupPhoto(2);
      const [t] = (await server.gql(RequestPhotoUploadsDocument, { eventId, files: [{ filename: 'a.jpg', contentType: 'image/jpeg', byteSize: bytes.length }] }, { token: owner }))
        .data!.requestPhotoUploads;
      await uploadTo(t!.upload, bytes, 'image/jpeg');
      await server.gql(CompletePhotoUploadsDocument, { photoIds: [t!.photo.id] }, { token: owner });
      const photo = await waitForPhoto(server, owner, t!.photo.id);
      assert.equal(photo.status, 'FAILED');
      assert.equal(photo.errorMessage, 'Face detection failed (gave up after 3 attempts).');
      assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 0);
    } finally {
      await server.close();
      sqs.restore();
    }
  });
});
