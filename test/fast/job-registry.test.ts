import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/logger.js';
import type { JobName, JobQueue } from '../../src/ports/job-queue.js';
import { JOB_NAMES, JobRegistry, JobRegistryError } from '../../src/worker/jobs.js';

/** A queue that only records which consumers were started. */
function recordingQueue(): JobQueue & { started: JobName[] } {
  const started: JobName[] = [];
  return {
    driver: 'postgres',
    started,
    start: async () => undefined,
    enqueue: async () => undefined,
    work: async (name) => void started.push(name),
    stop: async () => undefined,
    stats: async () => ({ driver: 'postgres', waiting: 0, active: 0, failed: 0, oldestWaitingSeconds: null }),
    deliveredBefore: async () => [],
  };
}

const done = async () => 'done' as const;

describe('job registry', () => {
  it('should refuse to start when a job name has no handler, before consuming anything', async () => {
    const queue = recordingQueue();
    const registry = new JobRegistry(createLogger('silent'))
      .register('photo.process', { handler: done, concurrency: 2 })
      .register('selfie.process', { handler: done, concurrency: 2 })
      .register('event.match', { handler: done, concurrency: 1 });
    await assert.rejects(registry.start(queue), (err: unknown) => err instanceof JobRegistryError && /No handler for job storage\.purge/.test(err.message));
    assert.deepEqual(queue.started, [], 'no consumer was started');
  });

  it('should refuse a second handler for a job, and a handler for a job that does not exist', () => {
    const registry = new JobRegistry(createLogger('silent')).register('event.match', { handler: done, concurrency: 1 });
    assert.throws(() => registry.register('event.match', { handler: done, concurrency: 1 }), /already has a handler; each job has exactly one/);
    assert.throws(() => registry.register('photo.delete' as JobName, { handler: done, concurrency: 1 }), /No job is called photo\.delete/);
  });

  it('should start one consumer per job name when the table is complete', async () => {
    const queue = recordingQueue();
    await new JobRegistry(createLogger('silent'))
      .registerAll({
        'photo.process': { handler: done, concurrency: 2 },
        'selfie.process': { handler: done, concurrency: 2 },
        'event.match': { handler: done, concurrency: 1 },
        'storage.purge': { handler: done, concurrency: 1 },
        'digest.send': { handler: done, concurrency: 1 },
        'event.delete': { handler: done, concurrency: 1 },
        'account.link': { handler: done, concurrency: 1 },
        'participant.match': { handler: done, concurrency: 1 },
        'drive.poll': { handler: done, concurrency: 1 },
      })
      .start(queue);
    assert.deepEqual(queue.started, [...JOB_NAMES]);
  });
});
