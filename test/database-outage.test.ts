import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MyEventsDocument, PhotoStatusChangedDocument, type PhotoStatusChangedSubscription } from './generated/graphql.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { newEvent, uploadPhotos } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';
import { collect } from './support/live.js';

/** PostgreSQL stopped for 20 s in the middle of a batch, on a cluster of this test's own. */
describe('PostgreSQL outage mid-batch', () => {
  let tmp: string;
  let pg: EmbeddedDatabase;
  let port: number;
  let server: TestServer;

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'findme-outage-'));
    await chmod(tmp, 0o755);
    pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg') });
    port = Number(new URL(pg.url).port);
    server = await startTestServer({
      hasher: plainHasher,
      worker: true,
      adminUrl: pg.adminUrl,
      env: {
        PHOTO_DISPLAY_MOZJPEG: 'false',
        PHOTO_JOB_TIMEOUT_SECONDS: '10',
        QUEUE_MAINTENANCE_INTERVAL_SECONDS: '1',
        PHOTO_JOB_RETRY_DELAY_SECONDS: '1',
        PHOTO_JOB_MAX_ATTEMPTS: '10',
        STALE_JOB_SWEEP_INTERVAL_SECONDS: '5',
      },
    });
  });
  after(async () => {
    await server.close();
    await pg.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('should finish every photo exactly once, fail API requests fast during the outage and recover after it', async () => {
    const { owner, eventId } = await newEvent(server, 'Outage');
    const ws = server.ws({ authorization: `Bearer ${owner}` });
    const events = collect<PhotoStatusChangedSubscription, { eventId: string }>(ws, PhotoStatusChangedDocument, { eventId });
    await new Promise((r) => setTimeout(r, 150));
    const photos = await generatedPhotos(100, 1200);
    const ids = await uploadPhotos(server, owner, eventId, photos.map((bytes, i) => ({ name: `IMG_${i}.jpg`, bytes })));
    const done = async () => (await server.sql<{ n: number }>(`select count(*)::int as n from photos where event_id = ? and status = 'DONE'`, [eventId]))[0]!.n;
    for (let i = 0; i < 600 && (await done()) < 15; i++) await new Promise((r) => setTimeout(r, 50));
    const doneBefore = await done();
    assert.ok(doneBefore < 100, `stopped mid-batch (${doneBefore} done)`);

    await pg.stop();
    const outageStarted = Date.now();
    const started = Date.now();
    // A query that needs the database (the token itself may be among the sessions verified lately).
    const during = await server.gql(MyEventsDocument, {}, { token: owner });
    const failedInMs = Date.now() - started;
    assert.equal(during.errors?.[0]?.extensions?.['code'], 'INTERNAL_SERVER_ERROR');
    assert.match(during.errors![0]!.message, /temporarily unavailable/);
    assert.equal(during.errors![0]!.extensions!['retryable'], true);
    assert.ok(failedInMs < 3000, `failed in ${failedInMs} ms`);
    assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 503);
    await new Promise((r) => setTimeout(r, 20_000 - (Date.now() - outageStarted)));

    pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), port });
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      recovered = (await server.gql(MyEventsDocument, {}, { token: owner })).data?.myEvents.totalCount !== undefined;
      if (!recovered) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(recovered, 'the API answers again');
    assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200);

    for (let i = 0; i < 1200 && (await done()) < 100; i++) await new Promise((r) => setTimeout(r, 100));
    const rows = await server.sql<{ status: string; n: number }>('select status, count(*)::int as n from photos where event_id = ? group by status', [eventId]);
    assert.deepEqual(rows, [{ status: 'DONE', n: 100 }]);
    assert.equal(new Set(ids).size, 100);
    // No photo announced DONE twice (announcements made while the database was down may be missing).
    const perPhoto = new Map<string, number>();
    for (const e of events.values) if (e.photoStatusChanged.status === 'DONE') perPhoto.set(e.photoStatusChanged.photo.id, (perPhoto.get(e.photoStatusChanged.photo.id) ?? 0) + 1);
    assert.ok([...perPhoto.values()].every((n) => n === 1), 'each photo reached DONE once');
    events.dispose();
  });
});
