import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgPhotoRepository } from '../../src/adapters/pg/pg.photo.repository.js';
import { PhotoStatus } from '../../src/domain/entities/index.js';
import { PHOTO_TRANSITIONS } from '../../src/domain/photo-status.js';
import { JoinEventDocument, MeDocument, SetPhotoVisibilityDocument } from '../generated/graphql.js';
import { newAccount, newEvent, uploadPhotos, waitForPhoto } from '../support/flows.js';
import { plainHasher, startTestServer, type TestServer } from '../support/harness.js';
import { generatedPhotos } from '../support/images.js';

/** The photo repository against the real schema (embedded PostgreSQL, migrations applied). */
describe('PgPhotoRepository', () => {
  let server: TestServer;
  let repo: PgPhotoRepository;
  let eventId: string;
  let ownerId: string;
  let ids: string[];
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true });
    repo = new PgPhotoRepository(() => server.app.db.orm.em.fork());
    const event = await newEvent(server, 'Gallery');
    eventId = event.eventId;
    ownerId = (await server.gql(MeDocument, {}, { token: event.owner })).data!.me!.id;
    const bytes = await generatedPhotos(3, 200);
    ids = await uploadPhotos(server, event.owner, eventId, bytes.map((b, i) => ({ name: `${i}.jpg`, bytes: b })));
    for (const id of ids) await waitForPhoto(server, event.owner, id);
    await server.gql(SetPhotoVisibilityDocument, { id: ids[1]!, showInGeneral: true }, { token: event.owner });
  });
  after(() => server.close());

  it('should move only photos in a source status of the transition, and say what they left', async () => {
    const moved = await repo.moveStatus(ids, PHOTO_TRANSITIONS.retried.from, PHOTO_TRANSITIONS.retried.to);
    assert.deepEqual(moved, [], 'DONE photos are not FAILED: nothing moves');
    assert.deepEqual(await repo.countByStatus(eventId), { [PhotoStatus.DONE]: 3 });
  });

  it('should page a member through the photos shown to everyone, and give a stranger only the event to refuse', async () => {
    const guestToken = await newAccount(server, 'PARTICIPANT');
    const guestId = (await server.gql(MeDocument, {}, { token: guestToken })).data!.me!.id;
    const stranger = await repo.galleryPage({ userId: guestId, isAdmin: false, eventId, limit: 10, personIds: [guestId], together: false, general: true });
    assert.deepEqual(stranger.access, { ownerId, eventName: 'Gallery', membership: null });
    assert.deepEqual(stranger.rows, [], 'nothing of the event for someone who did not join');
    const code = (await server.sql<{ code: string }>('select code from events where id = ?', [eventId]))[0]!.code;
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guestToken });
    const member = await repo.galleryPage({ userId: guestId, isAdmin: false, eventId, limit: 10, personIds: [guestId], together: false, general: true });
    assert.equal(member.access?.membership, 'APPROVED');
    assert.equal(member.total, 1);
    assert.deepEqual(member.rows.map((r) => [r.columns.id, r.match]), [[ids[1], null]]);
    const owner = await repo.galleryPage({ userId: ownerId, isAdmin: false, eventId, limit: 10, personIds: [ownerId], together: false, general: true });
    assert.equal(owner.total, 1, 'the owner sees the general photos here too (their own gallery is `photos`)');
  });

  it('should find photos held by a worker whose heartbeat stopped', async () => {
    await server.sql(`update photos set status = 'PROCESSING', worker_id = 'dead-worker' where id = ?`, [ids[2]]);
    assert.deepEqual(await repo.heldBySilentWorkers(30, 10), [{ id: ids[2], workerId: 'dead-worker' }]);
    const moved = await repo.moveStatus([ids[2]!], PHOTO_TRANSITIONS.released.from, PHOTO_TRANSITIONS.released.to, { workerId: null });
    assert.deepEqual(moved, [{ id: ids[2], eventId, previous: PhotoStatus.PROCESSING }]);
  });
});
