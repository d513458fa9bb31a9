import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgMatchRepository } from '../../src/adapters/pg/pg.match.repository.js';
import { fromVector } from '../../src/domain/face-vector.js';
import { MatchSource } from '../../src/domain/entities/index.js';
import { JoinEventDocument, MeDocument, RejectMatchDocument } from '../generated/graphql.js';
import { newAccount, newEvent, uploadPhotos, waitForPhoto } from '../support/flows.js';
import { plainHasher, startTestServer, type TestServer } from '../support/harness.js';
import { generatedPhotos } from '../support/images.js';

/** Matching's queries against the real schema (embedded PostgreSQL, migrations applied). */
describe('PgMatchRepository', () => {
  let server: TestServer;
  let event: Awaited<ReturnType<typeof newEvent>>;
  let photoIds: string[];
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true });
    event = await newEvent(server, 'References');
    photoIds = await uploadPhotos(server, event.owner, event.eventId, (await generatedPhotos(3, 200)).map((bytes, i) => ({ name: `${i}.jpg`, bytes })));
    for (const id of photoIds) await waitForPhoto(server, event.owner, id);
  });
  after(() => server.close());

  it("should give each participant their matched faces as references and their 'not me' photos, in this event only", async () => {
    const token = await newAccount(server, 'PARTICIPANT');
    const me = (await server.gql(MeDocument, {}, { token })).data!.me!.id;
    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token });
    const vector = (seed: number) => fromVector(Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed + i)));
    await server.sql(`insert into selfies (id, user_id, person_id, object_key, content_type, byte_size, status, vector, created_at) values (gen_random_uuid(), ?, ?, 'selfies/r', 'image/jpeg', 1, 'ACTIVE', ?, now())`, [me, me, vector(0)]);
    const faceIds: string[] = [];
    for (const [i, photoId] of photoIds.entries()) {
      const [face] = await server.sql<{ id: string }>(
        `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, vector, created_at) values (gen_random_uuid(), ?, 9, 0.1, 0.1, 0.2, 0.2, 0.99, ?, now()) returning id`,
        [photoId, vector(i + 1)],
      );
      faceIds.push(face!.id);
      await server.sql(`insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at) values (gen_random_uuid(), ?, ?, ?::uuid, ?, 70, 'INGEST', now())`, [photoId, me, me, face!.id]);
    }
    // "Not me" on the second photo: its match goes, and it is listed so it never serves as a reference.
    const rejected = await server.gql(RejectMatchDocument, { photoId: photoIds[1]! }, { token });
    assert.equal(rejected.errors, undefined, JSON.stringify(rejected.errors));

    const repo = new PgMatchRepository(server.app.db.orm.em.fork());
    const participant = (await repo.participantsWithSelfie(event.eventId)).find((p) => p.personId === me)!;
    assert.deepEqual(participant.references!.map((r) => r.faceId).sort(), [faceIds[0], faceIds[2]].sort());
    const third = participant.references!.find((r) => r.faceId === faceIds[2])!;
    assert.deepEqual([...third.vector], [...new Float32Array(new Uint8Array(vector(3)).buffer)], 'the stored vector, as stored');
    assert.deepEqual(participant.rejectedPhotoIds, [photoIds[1]]);
    assert.deepEqual(await repo.rejectedPhotoIds(me, event.eventId), [photoIds[1]]);
    const elsewhere = await newEvent(server, 'Elsewhere');
    assert.deepEqual(await repo.rejectedPhotoIds(me, elsewhere.eventId), []);
  });

  it('should keep a claimed face against a better search, give a person\'s match to the guest who looks for them, and give a face to one of their people', async () => {
    const token = await newAccount(server, 'PARTICIPANT');
    const me = (await server.gql(MeDocument, {}, { token })).data!.me!.id;
    const [child] = await server.sql<{ id: string }>(
      `insert into people (id, owner_id, name, consented_at, consent_version, created_at) values (gen_random_uuid(), ?, 'Kid', now(), 'v', now()) returning id`,
      [me],
    );
    const faces: string[] = [];
    for (const index of [20, 21]) {
      const [face] = await server.sql<{ id: string }>(
        `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, created_at) values (gen_random_uuid(), ?, ?, 0.1, 0.1, 0.2, 0.2, 0.99, now()) returning id`,
        [photoIds[0]!, index],
      );
      faces.push(face!.id);
    }
    const repo = new PgMatchRepository(server.app.db.orm.em.fork());
    const photoId = photoIds[0]!;
    // A search finds the child: the match is the guest's.
    assert.deepEqual(await repo.upsertBest({ personId: child!.id, photoId, faceId: faces[0]!, similarity: 60 }, MatchSource.INGEST), { userId: me });
    // The guest says face 0 is theirs: the child loses it.
    assert.equal(await repo.claim({ personId: me, photoId, faceId: faces[0]!, similarity: 41 }), true);
    const rows = async () =>
      await server.sql<{ person_id: string; face_id: string; source: string }>(`select person_id, face_id, source from matches where photo_id = ? and user_id = ? order by source`, [photoId, me]);
    assert.deepEqual(await rows(), [{ person_id: me, face_id: faces[0]!, source: 'CLAIM' }]);
    // A later, "better" search of the guest does not move the claimed face.
    assert.equal(await repo.upsertBest({ personId: me, photoId, faceId: faces[1]!, similarity: 99 }, MatchSource.REMATCH), null);
    assert.deepEqual(await rows(), [{ person_id: me, face_id: faces[0]!, source: 'CLAIM' }]);
  });

  it('should hand a claimed face to the matcher as a claimed reference', async () => {
    const token = await newAccount(server, 'PARTICIPANT');
    const me = (await server.gql(MeDocument, {}, { token })).data!.me!.id;
    const vector = fromVector(Float32Array.from({ length: 128 }, (_, i) => Math.cos(i)));
    const [face] = await server.sql<{ id: string }>(
      `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, vector, created_at) values (gen_random_uuid(), ?, 30, 0.1, 0.1, 0.2, 0.2, 0.99, ?, now()) returning id`,
      [photoIds[1]!, vector],
    );
    const repo = new PgMatchRepository(server.app.db.orm.em.fork());
    await repo.claim({ personId: me, photoId: photoIds[1]!, faceId: face!.id, similarity: 45 });
    assert.deepEqual((await repo.personReferences(me, event.eventId)).map((r) => [r.faceId, r.claimed]), [[face!.id, true]]);
  });
});
