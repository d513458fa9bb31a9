import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgOpsRepository } from '../../src/adapters/pg/pg.ops.repository.js';
import { newEvent, uploadPhotos, waitForPhoto } from '../support/flows.js';
import { plainHasher, startTestServer, type TestServer } from '../support/harness.js';
import { generatedPhotos } from '../support/images.js';

/** The operators' repository against the real schema (embedded PostgreSQL, migrations applied). */
describe('PgOpsRepository', () => {
  let server: TestServer;
  let repo: PgOpsRepository;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true });
    repo = new PgOpsRepository(server.app.db.orm.em.fork());
  });
  after(() => server.close());

  it('should count photos by event and status', async () => {
    const { owner, eventId } = await newEvent(server, 'Counted');
    const [a, b] = await generatedPhotos(2, 200);
    const ids = await uploadPhotos(server, owner, eventId, [{ name: 'a.jpg', bytes: a! }, { name: 'b.jpg', bytes: b! }]);
    for (const id of ids) await waitForPhoto(server, owner, id);
    const counts = (await repo.photoCountsByEvent()).filter((c) => c.eventId === eventId);
    assert.deepEqual(counts, [{ eventId, eventName: 'Counted', status: 'DONE', count: 2 }]);
  });

  it("should list this process's worker as alive, and a silent one as not", async () => {
    await server.sql(`insert into worker_heartbeats (id, host, pid, concurrency, started_at, last_seen_at) values ('gone', 'h', 1, 1, now() - interval '1 hour', now() - interval '10 minutes')`);
    const workers = await repo.workers(30);
    assert.equal(workers.find((w) => w.id === 'gone')?.alive, false);
    assert.ok(workers.some((w) => w.id !== 'gone' && w.alive), 'the test server beats');
  });

  it('should sum face-service calls with the event name, and count the faces kept by the service', async () => {
    const { eventId } = await newEvent(server, 'Priced');
    await server.sql(`insert into face_engine_calls (scope, api, calls) values (?, 'IndexFaces', 7), ('', 'DetectFaces', 3)`, [eventId]);
    const calls = await repo.faceEngineCalls();
    assert.deepEqual(calls.find((c) => c.scope === eventId), { scope: eventId, api: 'IndexFaces', calls: 7, eventName: 'Priced' });
    assert.deepEqual(calls.find((c) => c.scope === ''), { scope: '', api: 'DetectFaces', calls: 3, eventName: null });
    assert.equal(await repo.storedEngineFaces(), 0);
  });

  it('should report the server version and the applied migrations', async () => {
    assert.match(await repo.databaseVersion(), /^\d+/);
    assert.ok((await repo.appliedMigrations()).includes('Migration20261201010000'));
  });
});
