import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Role, type User } from '../../src/domain/entities/index.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import { AdminService, type AdminSettings } from '../../src/services/admin.service.js';
import { MemoryOpsRepository } from './support/memory-ops.js';

const settings: AdminSettings = {
  version: '0.1.0',
  environment: 'test',
  configSources: ['defaults'],
  ssmPrefix: undefined,
  drivers: { objectStore: 'local', jobQueue: 'postgres', faceEngine: 'aws-rekognition', mailer: 'log', database: 'embedded postgres' },
  usdPer1000Calls: 1,
  usdPerFaceMonth: 0.00001,
  startedAt: new Date(Date.now() - 5000),
};
const queue = { stats: async () => ({ driver: 'postgres', waiting: 3, active: 1, failed: 0, oldestWaitingSeconds: 12 }) } as unknown as JobQueue;
const admin = { id: 'a', role: Role.ADMIN } as User;
const photographer = { id: 'p', role: Role.PHOTOGRAPHER } as User;

describe('AdminService (in-memory repository)', () => {
  it('should refuse anyone but an administrator', async () => {
    const service = new AdminService({ ops: new MemoryOpsRepository(), queue, settings });
    await assert.rejects(service.queueStats(photographer), /needs the ADMIN role/);
    await assert.rejects(service.faceEngineUsage(photographer), /needs the ADMIN role/);
    await assert.rejects(service.systemStatus(photographer), /needs the ADMIN role/);
  });

  it('should count photos by event and status, and tell live workers from silent ones', async () => {
    const ops = new MemoryOpsRepository();
    ops.photos = [
      { eventId: 'e1', eventName: 'Wedding', status: 'DONE' },
      { eventId: 'e1', eventName: 'Wedding', status: 'DONE' },
      { eventId: 'e1', eventName: 'Wedding', status: 'FAILED' },
      { eventId: 'e2', eventName: 'Race', status: 'PENDING' },
    ];
    ops.workerRows = [
      { id: 'w1', host: 'a', pid: 1, concurrency: 2, startedAt: new Date(), lastSeenAt: new Date(), ageSeconds: 5 },
      { id: 'w2', host: 'b', pid: 2, concurrency: 2, startedAt: new Date(), lastSeenAt: new Date(), ageSeconds: 90 },
    ];
    const report = await new AdminService({ ops, queue, settings }).queueStats(admin);
    assert.equal(report.waiting, 3);
    assert.deepEqual(report.workers.map((w) => [w.id, w.alive]), [['w1', true], ['w2', false]]);
    assert.deepEqual(report.photosByEvent.find((e) => e.eventId === 'e1'), { eventId: 'e1', eventName: 'Wedding', total: 3, pending: 0, uploaded: 0, processing: 0, done: 2, failed: 1 });
    assert.equal(report.photosByEvent.find((e) => e.eventId === 'e2')?.pending, 1);
  });

  it('should price face-service calls per API and per event, biggest spender first, and the faces kept', async () => {
    const ops = new MemoryOpsRepository();
    ops.calls = [
      { scope: '', api: 'DetectFaces', calls: 500, eventName: null },
      { scope: 'e1', api: 'IndexFaces', calls: 1000, eventName: 'Wedding' },
      { scope: 'e1', api: 'SearchFaces', calls: 1500, eventName: 'Wedding' },
      { scope: 'e2', api: 'IndexFaces', calls: 200, eventName: 'Race' },
    ];
    ops.engineFaces = 100_000;
    const usage = await new AdminService({ ops, queue, settings }).faceEngineUsage(admin);
    assert.deepEqual(usage.total, {
      calls: 3200,
      usd: 3.2,
      byApi: [
        { api: 'DetectFaces', calls: 500, usd: 0.5 },
        { api: 'IndexFaces', calls: 1200, usd: 1.2 },
        { api: 'SearchFaces', calls: 1500, usd: 1.5 },
      ],
    });
    assert.deepEqual(usage.byEvent.map((e) => [e.eventId, e.calls, e.usd]), [['e1', 2500, 2.5], [null, 500, 0.5], ['e2', 200, 0.2]]);
    assert.equal(usage.storageUsdPerMonth, 1);
  });

  it('should report the deployment as configured', async () => {
    const ops = new MemoryOpsRepository();
    ops.migrations = ['Migration1', 'Migration2'];
    const status = await new AdminService({ ops, queue, settings }).systemStatus(admin);
    assert.equal(status.postgres, '18.0 (memory)');
    assert.deepEqual(status.migrations, ['Migration1', 'Migration2']);
    assert.ok(status.uptimeSeconds >= 5);
  });
});
