import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateCollectionCommand,
  DeleteCollectionCommand,
  DeleteFacesCommand,
  DetectFacesCommand,
  IndexFacesCommand,
  RekognitionClient,
  SearchFacesCommand,
} from '@aws-sdk/client-rekognition';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { RekognitionFaceEngine } from '../src/adapters/faces/aws/rekognition.face-engine.js';
import { createLogger } from '../src/logger.js';
import type { FaceRefSource } from '../src/ports/face-engine.js';
import { PgFaceVectorSource } from '../src/adapters/pg/pg.face-vectors.js';
import { DeleteAccountDocument, DeleteMyFaceDataDocument, JoinEventDocument, MeDocument, MyPhotosDocument } from './generated/graphql.js';
import { newAccount, newEvent, sendSelfie, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos, identityPhoto } from './support/images.js';

const MAX_TPS = 5;
const throttled = (api: string) => Object.assign(new Error(`Rate exceeded (${api})`), { name: 'ThrottlingException', $metadata: {} });

/**
 * The whole pipeline on the Rekognition engine (the AWS SDK mocked: this machine
 * cannot reach AWS), with the service throttling in bursts: every photo still
 * finishes, and the calls never outrun the configured rate.
 */
describe('Rekognition engine in the pipeline, under throttling bursts', () => {
  let rek: AwsClientStub<RekognitionClient>;
  let server: TestServer;
  let refs: PgFaceVectorSource | undefined;
  /** Every call as it reached "AWS", throttled ones included. */
  const calls: { api: string; at: number }[] = [];
  let throttleUntil = 0;
  let throttledCalls = 0;
  const photoFaces = new Map<string, string[]>(); // collection → photo face ids that show the guest

  const guard = (api: string) => {
    calls.push({ api, at: Date.now() });
    if (Date.now() < throttleUntil) {
      throttledCalls += 1;
      throw throttled(api);
    }
  };

  before(async () => {
    rek = mockClient(RekognitionClient);
    rek.on(CreateCollectionCommand).callsFake(() => (guard('CreateCollection'), {}));
    rek.on(DetectFacesCommand).callsFake(() => (guard('DetectFaces'), { FaceDetails: [{ Confidence: 99.9, BoundingBox: { Left: 0.2, Top: 0.1, Width: 0.6, Height: 0.7 } }] }));
    rek.on(IndexFacesCommand).callsFake((input: { CollectionId: string; ExternalImageId: string }) => {
      guard('IndexFaces');
      const [kind, id] = input.ExternalImageId.split(':') as [string, string];
      const record = (faceId: string, left: number) => ({ Face: { FaceId: faceId, Confidence: 99.5, BoundingBox: { Left: left, Top: 0.2, Width: 0.1, Height: 0.15 } } });
      if (kind === 'person') return { FaceRecords: [record(`selfie-${id}`, 0.3)] };
      // Each photo: the guest (face 0) and a bystander (face 1).
      const list = photoFaces.get(input.CollectionId) ?? [];
      list.push(`${id}-f0`);
      photoFaces.set(input.CollectionId, list);
      return { FaceRecords: [record(`${id}-f0`, 0.1), record(`${id}-f1`, 0.6)] };
    });
    rek.on(SearchFacesCommand).callsFake((input: { CollectionId: string; FaceId: string }) => {
      guard('SearchFaces');
      if (input.FaceId.startsWith('selfie-')) {
        return { FaceMatches: (photoFaces.get(input.CollectionId) ?? []).map((f) => ({ Similarity: 98, Face: { FaceId: f, ExternalImageId: `photo:${f.slice(0, -3)}` } })) };
      }
      return input.FaceId.endsWith('-f0') ? { FaceMatches: [{ Similarity: 97, Face: { FaceId: `selfie-${guestId}`, ExternalImageId: `person:${guestId}` } }] } : { FaceMatches: [] };
    });
    rek.on(DeleteFacesCommand).callsFake(() => (guard('DeleteFaces'), {}));
    rek.on(DeleteCollectionCommand).callsFake(() => (guard('DeleteCollection'), {}));

    const lazyRefs: FaceRefSource = { facesByEngineIds: (ids) => refs!.facesByEngineIds(ids) };
    const engine = new RekognitionFaceEngine(
      new RekognitionClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
      { collectionPrefix: 'findme-', faceThreshold: 90, minSimilarity: 90, detectMinConfidence: 90, maxTps: MAX_TPS, selfieMinFacePx: 80, bucket: undefined },
      lazyRefs,
      createLogger('silent'),
    );
    server = await startTestServer({ hasher: plainHasher, worker: true, faces: engine, env: { BATCH_MATCH_DELAY_SECONDS: '1', PHOTO_JOB_MAX_ATTEMPTS: '8' } });
    refs = new PgFaceVectorSource(server.app.db.orm);
  });
  after(async () => {
    await server.close();
    rek.restore();
  });

  let guestId = '';

  it('should finish a batch through throttling bursts, never calling faster than REKOGNITION_MAX_TPS, and find the guest', async () => {
    const { owner, eventId, code } = await newEvent(server, 'Race');
    const guest = await newAccount(server, 'PARTICIPANT');
    guestId = (await server.gql(MeDocument, {}, { token: guest })).data!.me!.id;
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    assert.equal((await sendSelfie(server, guest, await identityPhoto('raj', 1))).status, 'DONE');

    const photos = await generatedPhotos(20, 800);
    const ids = await uploadPhotos(server, owner, eventId, photos.map((bytes, i) => ({ name: `BIB_${i}.jpg`, bytes })));
    // Two bursts of throttling while the batch runs.
    setTimeout(() => (throttleUntil = Date.now() + 2000), 500);
    setTimeout(() => (throttleUntil = Date.now() + 2000), 4500);
    for (const id of ids) assert.equal((await waitForPhoto(server, owner, id, 90_000)).status, 'DONE');
    assert.ok(throttledCalls > 0, 'the bursts hit the batch');

    // Matching is deferred to one search per participant after the batch settles.
    let found = 0;
    for (let i = 0; i < 100 && found < 20; i++) {
      found = (await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token: guest })).data!.myPhotos.totalCount;
      if (found < 20) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(found, 20, 'the guest is found in every photo, the bystander nowhere');

    // A token bucket of MAX_TPS with a burst of MAX_TPS: in any window of T seconds, at most MAX_TPS × (T + 1) calls.
    const times = calls.map((c) => c.at).sort((a, b) => a - b);
    for (const windowMs of [1000, 2000, 5000]) {
      let worst = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i]! - times[j]! >= windowMs) j++;
        worst = Math.max(worst, i - j + 1);
      }
      const bound = MAX_TPS * (windowMs / 1000 + 1);
      assert.ok(worst <= bound, `${worst} calls within ${windowMs} ms (bound ${bound})`);
    }
    const seconds = (times.at(-1)! - times[0]!) / 1000;
    console.log(`# Rekognition under throttling: ${calls.length} calls in ${seconds.toFixed(1)} s (${(calls.length / seconds).toFixed(2)}/s, limit ${MAX_TPS}/s), ${throttledCalls} throttled`);
  });

  it('should remove the guest from Rekognition (DeleteFaces) on deleteMyFaceData, and the collection with the event', async () => {
    const guest = await newAccount(server, 'PARTICIPANT');
    const { owner, code } = await newEvent(server, 'Gala');
    const id = (await server.gql(MeDocument, {}, { token: guest })).data!.me!.id;
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    assert.equal((await sendSelfie(server, guest, await identityPhoto('penny', 1))).status, 'DONE');
    const before = rek.commandCalls(DeleteFacesCommand).length;
    assert.equal((await server.gql(DeleteMyFaceDataDocument, {}, { token: guest })).data?.deleteMyFaceData, true);
    const deleted = rek.commandCalls(DeleteFacesCommand).slice(before).flatMap((c) => c.args[0].input.FaceIds ?? []);
    assert.ok(deleted.includes(`selfie-${id}`), `DeleteFaces removed the selfie face (${deleted.join(', ')})`);

    const collectionsBefore = rek.commandCalls(DeleteCollectionCommand).length;
    assert.equal((await server.gql(DeleteAccountDocument, {}, { token: owner })).data?.deleteAccount, true);
    assert.equal(rek.commandCalls(DeleteCollectionCommand).length, collectionsBefore + 1, 'the event collection is deleted with the event');
  });

  it("should delete the event's collection when the photographer deletes the event (background job)", async () => {
    const { owner, eventId } = await newEvent(server, 'Closing night');
    const collection = (c: { args: [{ input: { CollectionId?: string } }] }) => c.args[0].input.CollectionId ?? '';
    const before = rek.commandCalls(DeleteCollectionCommand).length;
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
      body: JSON.stringify({ query: 'mutation($id: ID!) { deleteEvent(id: $id) }', variables: { id: eventId } }),
    });
    assert.equal(((await res.json()) as { data: { deleteEvent: string } }).data.deleteEvent, eventId);
    for (let i = 0; i < 200 && rek.commandCalls(DeleteCollectionCommand).length === before; i++) await new Promise((r) => setTimeout(r, 50));
    const calls = rek.commandCalls(DeleteCollectionCommand).slice(before).map((c) => collection(c as never));
    assert.ok(calls.some((c) => c.includes(eventId)), `DeleteCollection for the event (${calls.join(', ')})`);
  });
});
