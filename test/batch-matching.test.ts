import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DisabledFaceEngine } from '../src/adapters/faces/disabled.face-engine.js';
import type { DetectedFace, FaceMatch, ParticipantFace, PhotoImage, SelfieCheck } from '../src/ports/face-engine.js';
import {
  CompletePhotoUploadsDocument,
  CompleteSelfieUploadDocument,
  JoinEventDocument,
  MyNewPhotosDocument,
  MyPhotosDocument,
  RequestPhotoUploadsDocument,
  RequestSelfieUploadDocument,
  type MyNewPhotosSubscription,
} from './generated/graphql.js';
import { newAccount, newEvent, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { devGroupPhoto, identityPhoto } from './support/images.js';
import { collect } from './support/live.js';
import { uploadTo } from './support/upload.js';

/** An engine that pays per search (like Rekognition): every photo has 3 faces, the guest is face 0. */
class PayPerSearchEngine extends DisabledFaceEngine {
  override readonly name = 'pay-per-search';
  perPhotoSearches = 0;
  participantSearches = 0;
  sql: TestServer['sql'] | undefined;

  override async indexPhotoFaces(image: PhotoImage): Promise<DetectedFace[]> {
    return [0, 1, 2].map((i) => ({ box: { left: i / 3, top: 0.2, width: 0.1, height: 0.1 }, confidence: 0.99, vector: null, engineFaceId: `${image.photoId}:${i}` }));
  }

  override async indexSelfie(input: { personId: string }): Promise<SelfieCheck> {
    return { ok: true, face: { box: { left: 0, top: 0, width: 1, height: 1 }, confidence: 1, vector: null, engineFaceId: `selfie:${input.personId}` } };
  }

  override prefersBatchSearch(faces: number, participants: number, batchSize: number): boolean {
    return Math.min(faces, participants) > participants / batchSize;
  }

  override async findParticipantsInPhoto(): Promise<FaceMatch[]> {
    this.perPhotoSearches++;
    return [];
  }

  override async findParticipantInEvent(input: { eventId: string; participant: ParticipantFace }): Promise<FaceMatch[]> {
    this.participantSearches++;
    const rows = await this.sql!<{ id: string; photo_id: string }>(
      `select f.id, f.photo_id from faces f join photos p on p.id = f.photo_id where p.event_id = ? and f.face_index = 0`,
      [input.eventId],
    );
    return rows.map((r) => ({ personId: input.participant.personId, faceId: r.id, photoId: r.photo_id, similarity: 99 }));
  }
}

describe('batched participant search (engines that pay per search)', () => {
  const engine = new PayPerSearchEngine();
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, faces: engine, env: { BATCH_MATCH_DELAY_SECONDS: '2' } });
    engine.sql = server.sql;
  });
  after(() => server.close());

  it('should search each participant once for a whole batch of new photos, then push the photos', async () => {
    const { owner, eventId, code } = await newEvent(server, 'Race');
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    const selfie = await identityPhoto('raj', 5);
    const req = (await server.gql(RequestSelfieUploadDocument, { input: { filename: 's.png', contentType: 'image/png', byteSize: selfie.length } }, { token: guest })).data!
      .requestSelfieUpload;
    await uploadTo(req.upload, selfie, 'image/png');
    await server.gql(CompleteSelfieUploadDocument, { id: req.id }, { token: guest });
    for (let i = 0; i < 100 && engine.participantSearches === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const afterRematch = engine.participantSearches;
    assert.equal(afterRematch, 1, 'the selfie searched the event once');

    const ws = server.ws({ authorization: `Bearer ${guest}` });
    const news = collect<MyNewPhotosSubscription, { eventId: string }>(ws, MyNewPhotosDocument, { eventId });
    await new Promise((r) => setTimeout(r, 200));
    const bytes = await devGroupPhoto(2);
    const targets = (
      await server.gql(
        RequestPhotoUploadsDocument,
        { eventId, files: [1, 2, 3, 4, 5, 6].map((i) => ({ filename: `${i}.jpg`, contentType: 'image/jpeg', byteSize: bytes.length })) },
        { token: owner },
      )
    ).data!.requestPhotoUploads;
    for (const t of targets) await uploadTo(t.upload, bytes, 'image/jpeg');
    await server.gql(CompletePhotoUploadsDocument, { photoIds: targets.map((t) => t.photo.id) }, { token: owner });
    for (const t of targets) assert.equal((await waitForPhoto(server, owner, t.photo.id)).status, 'DONE');

    await news.until((v) => v.length === 6, 20_000);
    const mine = await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token: guest });
    assert.equal(mine.data?.myPhotos.totalCount, 6, JSON.stringify(mine.errors));
    assert.equal(engine.perPhotoSearches, 0, 'no photo was searched face by face');
    const batched = engine.participantSearches - afterRematch;
    assert.ok(batched >= 1 && batched <= 2, `${batched} searches for 6 photos × 3 faces (per face it would be 18)`);
    const pending = await server.sql<{ n: number }>(`select count(*)::int as n from photos where event_id = ? and participants_matched_at is null`, [eventId]);
    assert.equal(pending[0]?.n, 0);
    news.dispose();
  });
});
