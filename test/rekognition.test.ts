import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
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
import { CLAIM_MIN_SIMILARITY, RekognitionFaceEngine, type RekognitionSettings } from '../src/adapters/faces/aws/rekognition.face-engine.js';
import { TokenBucket } from '../src/adapters/faces/aws/token-bucket.js';
import { createLogger } from '../src/logger.js';
import { UnreadableImageError } from '../src/ports/face-engine.js';
import { devGroupPhoto, identityPhoto } from './support/images.js';

const EVENT = 'e1';
const SETTINGS: RekognitionSettings = {
  collectionPrefix: 'findme-',
  faceThreshold: 90,
  minSimilarity: 90,
  detectMinConfidence: 90,
  maxTps: 1000,
  selfieMinFacePx: 80,
  bucket: undefined,
};

const face = (id: string, left = 0.1) => ({ Face: { FaceId: id, Confidence: 99.5, BoundingBox: { Left: left, Top: 0.2, Width: 0.1, Height: 0.15 } } });

describe('Rekognition face engine (aws-sdk-client-mock)', () => {
  let rek: AwsClientStub<RekognitionClient>;
  let engine: RekognitionFaceEngine;
  const refs = new Map<string, { faceId: string; photoId: string; engineFaceId: string }>();

  beforeEach(() => {
    rek = mockClient(RekognitionClient);
    refs.clear();
    engine = new RekognitionFaceEngine(
      new RekognitionClient({ region: 'eu-west-1' }),
      SETTINGS,
      { facesByEngineIds: async (ids) => ids.flatMap((id) => (refs.has(id) ? [refs.get(id)!] : [])) },
      createLogger('silent'),
    );
  });
  afterEach(() => rek.restore());

  it('should index a photo with one IndexFaces call, creating the event collection once', async () => {
    rek.on(CreateCollectionCommand).resolves({});
    rek.on(IndexFacesCommand).resolves({ FaceRecords: [face('f1'), face('f2', 0.5), { Face: { FaceId: 'weak', Confidence: 40 } }] });
    const bytes = await devGroupPhoto(1);
    const faces = await engine.indexPhotoFaces({ photoId: 'p1', eventId: EVENT, original: bytes, objectKey: 'k1' });
    await engine.indexPhotoFaces({ photoId: 'p2', eventId: EVENT, original: bytes, objectKey: 'k2' });
    assert.deepEqual(faces.map((f) => f.engineFaceId), ['f1', 'f2'], 'low-confidence detections are dropped');
    assert.deepEqual(faces[1]!.box, { left: 0.5, top: 0.2, width: 0.1, height: 0.15 });
    assert.equal(rek.commandCalls(CreateCollectionCommand).length, 1);
    assert.equal(rek.commandCalls(CreateCollectionCommand)[0]!.args[0].input.CollectionId, 'findme-event-e1');
    const input = rek.commandCalls(IndexFacesCommand)[0]!.args[0].input;
    assert.deepEqual(
      { id: input.ExternalImageId, max: input.MaxFaces, quality: input.QualityFilter, bytes: input.Image?.Bytes?.length },
      { id: 'photo:p1', max: 100, quality: 'AUTO', bytes: bytes.length },
    );
    assert.deepEqual(engine.usage(), { CreateCollection: 1, IndexFaces: 2 });
  });

  it('should read photos from S3 when the store is S3, and accept an existing collection', async () => {
    const s3 = new RekognitionFaceEngine(new RekognitionClient({ region: 'eu-west-1' }), { ...SETTINGS, bucket: 'photos' }, { facesByEngineIds: async () => [] }, createLogger('silent'));
    rek.on(CreateCollectionCommand).rejects(Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException' }));
    rek.on(IndexFacesCommand).resolves({ FaceRecords: [] });
    await s3.indexPhotoFaces({ photoId: 'p1', eventId: EVENT, original: Buffer.alloc(10), objectKey: 'events/e1/photos/p1/original' });
    assert.deepEqual(rek.commandCalls(IndexFacesCommand)[0]!.args[0].input.Image, { S3Object: { Bucket: 'photos', Name: 'events/e1/photos/p1/original' } });
  });

  it('should validate a selfie with DetectFaces, then index it as person:<id> in each of the guest events', async () => {
    rek.on(DetectFacesCommand).resolves({ FaceDetails: [{ Confidence: 99, BoundingBox: { Left: 0.1, Top: 0.1, Width: 0.8, Height: 0.8 } }] });
    rek.on(CreateCollectionCommand).resolves({});
    rek.on(IndexFacesCommand, { CollectionId: 'findme-event-e1' }).resolves({ FaceRecords: [face('s-e1')] });
    rek.on(IndexFacesCommand, { CollectionId: 'findme-event-e2' }).resolves({ FaceRecords: [face('s-e2')] });
    const check = await engine.indexSelfie({ personId: 'u1', image: await identityPhoto('penny', 1), eventIds: ['e1', 'e2'] });
    assert.ok(check.ok);
    assert.deepEqual(JSON.parse(check.face.engineFaceId!), { e1: 's-e1', e2: 's-e2' });
    const indexed = rek.commandCalls(IndexFacesCommand).map((c) => c.args[0].input);
    assert.deepEqual(indexed.map((i) => [i.CollectionId, i.ExternalImageId, i.MaxFaces]), [
      ['findme-event-e1', 'person:u1', 1],
      ['findme-event-e2', 'person:u1', 1],
    ]);
  });

  it('should refuse a selfie with two faces without indexing anything', async () => {
    rek.on(DetectFacesCommand).resolves({ FaceDetails: [{ Confidence: 99, BoundingBox: { Height: 0.5 } }, { Confidence: 98, BoundingBox: { Height: 0.5 } }] });
    const check = await engine.indexSelfie({ personId: 'u1', image: await identityPhoto('penny', 1), eventIds: ['e1'] });
    assert.deepEqual(check.ok ? null : [check.reason, check.message], ['MANY_FACES', 'We found 2 faces: take the selfie alone.']);
    assert.equal(rek.commandCalls(IndexFacesCommand).length, 0);
  });

  it('should find participants in a new photo with one SearchFaces per face: 1 + faces calls per photo', async () => {
    rek.on(CreateCollectionCommand).resolves({});
    rek.on(IndexFacesCommand).resolves({ FaceRecords: [face('a'), face('b'), face('c')] });
    rek.on(SearchFacesCommand, { FaceId: 'a' }).resolves({ FaceMatches: [{ Similarity: 99, Face: { FaceId: 's-raj', ExternalImageId: 'person:raj' } }] });
    rek.on(SearchFacesCommand, { FaceId: 'b' }).resolves({ FaceMatches: [{ Similarity: 80, Face: { FaceId: 's-penny', ExternalImageId: 'person:penny' } }] });
    rek.on(SearchFacesCommand, { FaceId: 'c' }).resolves({ FaceMatches: [{ Similarity: 95, Face: { FaceId: 's-old', ExternalImageId: 'person:raj' } }] });
    const detected = await engine.indexPhotoFaces({ photoId: 'p1', eventId: EVENT, original: Buffer.alloc(100), objectKey: 'k' });
    const stored = detected.map((d, i) => ({ id: `row${i}`, photoId: 'p1', vector: null, engineFaceId: d.engineFaceId }));
    const matches = await engine.findParticipantsInPhoto({
      eventId: EVENT,
      photoId: 'p1',
      faces: stored,
      participants: [
        { personId: 'raj', vector: null, engineFaceId: JSON.stringify({ e1: 's-raj' }) },
        { personId: 'penny', vector: null, engineFaceId: JSON.stringify({ e1: 's-penny' }) },
        { personId: 'howard', vector: null, engineFaceId: JSON.stringify({ e1: 's-howard' }) },
      ],
    });
    assert.deepEqual(matches, [{ personId: 'raj', faceId: 'row0', photoId: 'p1', similarity: 99 }], 'below AWS_MATCH_MIN_SIMILARITY and old selfies do not count');
    const usage = engine.usage();
    assert.equal((usage['IndexFaces'] ?? 0) + (usage['SearchFaces'] ?? 0), 1 + 3, 'the older design spent 1 + 2 × faces');
    assert.equal(rek.commandCalls(SearchFacesCommand)[0]!.args[0].input.MaxFaces, 4096);
  });

  it('should find a participant across an event with one SearchFaces from the selfie FaceId', async () => {
    rek.on(CreateCollectionCommand).resolves({});
    refs.set('pf1', { faceId: 'row1', photoId: 'p1', engineFaceId: 'pf1' });
    refs.set('pf2', { faceId: 'row2', photoId: 'p1', engineFaceId: 'pf2' });
    refs.set('pf3', { faceId: 'row3', photoId: 'p2', engineFaceId: 'pf3' });
    rek.on(SearchFacesCommand).resolves({
      FaceMatches: [
        { Similarity: 95, Face: { FaceId: 'pf1', ExternalImageId: 'photo:p1' } },
        { Similarity: 97, Face: { FaceId: 'pf2', ExternalImageId: 'photo:p1' } },
        { Similarity: 93, Face: { FaceId: 'pf3', ExternalImageId: 'photo:p2' } },
        { Similarity: 99, Face: { FaceId: 'other-selfie', ExternalImageId: 'person:penny' } },
      ],
    });
    const matches = await engine.findParticipantInEvent({ eventId: EVENT, participant: { personId: 'raj', vector: null, engineFaceId: JSON.stringify({ e1: 's-raj' }) } });
    assert.deepEqual(
      matches.sort((a, b) => a.photoId.localeCompare(b.photoId)),
      [
        { personId: 'raj', faceId: 'row2', photoId: 'p1', similarity: 97 },
        { personId: 'raj', faceId: 'row3', photoId: 'p2', similarity: 93 },
      ],
    );
    assert.equal(rek.commandCalls(SearchFacesCommand)[0]!.args[0].input.FaceId, 's-raj');
  });

  it('should judge a "this is me" claim with one search from the claimed face: plausible only when one of the person\'s selfies comes back', async () => {
    const selfies = [
      { personId: 'raj', vector: null, engineFaceId: JSON.stringify({ e1: 's-raj-1' }) },
      { personId: 'raj', vector: null, engineFaceId: JSON.stringify({ e1: 's-raj-2', e2: 'elsewhere' }) },
    ];
    const claimed = { id: 'row1', photoId: 'p1', vector: null, engineFaceId: 'pf1' };
    rek.on(SearchFacesCommand, { FaceId: 'pf1' }).resolves({
      FaceMatches: [
        { Similarity: 99, Face: { FaceId: 's-penny', ExternalImageId: 'person:penny' } },
        { Similarity: 72, Face: { FaceId: 's-raj-2', ExternalImageId: 'person:raj' } },
      ],
    });
    assert.deepEqual(await engine.judgeClaim({ eventId: EVENT, face: claimed, selfies }), { plausible: true, similarity: 72 });
    const input = rek.commandCalls(SearchFacesCommand)[0]!.args[0].input;
    assert.deepEqual([input.CollectionId, input.FaceId, input.FaceMatchThreshold], ['findme-event-e1', 'pf1', CLAIM_MIN_SIMILARITY]);
    // Only another guest's selfie is that close: a stranger's face for raj.
    rek.on(SearchFacesCommand, { FaceId: 'pf2' }).resolves({ FaceMatches: [{ Similarity: 99, Face: { FaceId: 's-penny', ExternalImageId: 'person:penny' } }] });
    assert.deepEqual(await engine.judgeClaim({ eventId: EVENT, face: { ...claimed, engineFaceId: 'pf2' }, selfies }), { plausible: false, similarity: 0 });
    // A face the engine never indexed cannot be judged: refused without a call.
    const calls = rek.commandCalls(SearchFacesCommand).length;
    assert.equal((await engine.judgeClaim({ eventId: EVENT, face: { ...claimed, engineFaceId: null }, selfies })).plausible, false);
    assert.equal(rek.commandCalls(SearchFacesCommand).length, calls);
  });

  it('should retry throttled calls with backoff and map unreadable images to a readable failure', async () => {
    rek.on(CreateCollectionCommand).resolves({});
    rek
      .on(IndexFacesCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }))
      .resolves({ FaceRecords: [face('x')] });
    const faces = await engine.indexPhotoFaces({ photoId: 'p', eventId: EVENT, original: Buffer.alloc(10), objectKey: 'k' });
    assert.equal(faces.length, 1);
    assert.equal(engine.usage()['IndexFaces'], 3, 'every attempt is counted');

    rek.on(IndexFacesCommand).rejects(Object.assign(new Error('bad'), { name: 'InvalidImageFormatException' }));
    await assert.rejects(engine.indexPhotoFaces({ photoId: 'q', eventId: EVENT, original: Buffer.alloc(10), objectKey: 'k' }), UnreadableImageError);
  });

  it('should delete faces and collections', async () => {
    rek.on(DeleteFacesCommand).resolves({});
    rek.on(DeleteCollectionCommand).resolves({});
    await engine.deletePhotoFaces(EVENT, 'p', [{ id: 'r', photoId: 'p', vector: null, engineFaceId: 'f9' }]);
    await engine.deleteParticipantFaces('raj', ['e1', 'e2'], [{ personId: 'raj', vector: null, engineFaceId: JSON.stringify({ e1: 'a', e2: 'b' }) }]);
    await engine.deleteEventFaces(EVENT);
    assert.deepEqual(
      rek.commandCalls(DeleteFacesCommand).map((c) => [c.args[0].input.CollectionId, c.args[0].input.FaceIds]),
      [
        ['findme-event-e1', ['f9']],
        ['findme-event-e1', ['a']],
        ['findme-event-e2', ['b']],
      ],
    );
    assert.equal(rek.commandCalls(DeleteCollectionCommand)[0]!.args[0].input.CollectionId, 'findme-event-e1');
  });

  it('should keep every caller under the configured rate (token bucket)', async () => {
    const bucket = new TokenBucket(20, 2);
    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, () => bucket.take()));
    const elapsed = Date.now() - started;
    // 2 at once, then 10 more at 20/s: at least 0.5 s.
    assert.ok(elapsed >= 450, `${elapsed} ms`);
  });

  it('should run against real Rekognition when FINDME_LIVE_REKOGNITION=1 and credentials are configured', { skip: !(process.env['FINDME_LIVE_REKOGNITION'] === '1' && process.env['AWS_ACCESS_KEY_ID']) }, async () => {
    rek.restore();
    const live = new RekognitionFaceEngine(new RekognitionClient({}), { ...SETTINGS, collectionPrefix: `findme-test-${Date.now()}-` }, { facesByEngineIds: async () => [] }, createLogger('silent'));
    try {
      const faces = await live.indexPhotoFaces({ photoId: 'p1', eventId: 'live', original: await devGroupPhoto(1), objectKey: 'k' });
      assert.ok(faces.length >= 3);
    } finally {
      await live.deleteEventFaces('live');
    }
  });
});

describe('Rekognition: cheaper search direction', () => {
  it('should search from the participants when they are fewer than the faces of a photo', async () => {
    const rek = mockClient(RekognitionClient);
    try {
      rek.on(CreateCollectionCommand).resolves({});
      rek.on(SearchFacesCommand, { FaceId: 's-raj' }).resolves({
        FaceMatches: [
          { Similarity: 96, Face: { FaceId: 'f3', ExternalImageId: 'photo:p1' } },
          { Similarity: 99, Face: { FaceId: 'elsewhere', ExternalImageId: 'photo:p9' } },
        ],
      });
      const engine = new RekognitionFaceEngine(new RekognitionClient({ region: 'eu-west-1' }), SETTINGS, { facesByEngineIds: async () => [] }, createLogger('silent'));
      const faces = ['f1', 'f2', 'f3', 'f4', 'f5'].map((id, i) => ({ id: `row${i}`, photoId: 'p1', vector: null, engineFaceId: id }));
      const matches = await engine.findParticipantsInPhoto({
        eventId: EVENT,
        photoId: 'p1',
        faces,
        participants: [{ personId: 'raj', vector: null, engineFaceId: JSON.stringify({ e1: 's-raj' }) }],
      });
      assert.deepEqual(matches, [{ personId: 'raj', faceId: 'row2', photoId: 'p1', similarity: 96 }]);
      assert.equal(engine.usage()['SearchFaces'], 1, 'one search for one participant instead of five');
    } finally {
      rek.restore();
    }
  });
});

describe('Rekognition: batch or now', () => {
  it('should prefer one search per participant for the batch when that costs fewer calls than searching the photo now', () => {
    const engine = new RekognitionFaceEngine(new RekognitionClient({ region: 'eu-west-1' }), SETTINGS, { facesByEngineIds: async () => [] }, createLogger('silent'));
    assert.equal(engine.prefersBatchSearch(5, 2, 1), false, 'a lone photo: searching from the 2 participants now costs the same');
    assert.equal(engine.prefersBatchSearch(5, 2, 3), true, '2 searches shared by 3 photos beat 2 per photo');
    assert.equal(engine.prefersBatchSearch(2, 5, 1), false, 'a lone photo with few faces: search now');
    assert.equal(engine.prefersBatchSearch(2, 40, 200), true, '40 searches shared by 200 photos beat 2 per photo');
    assert.equal(engine.prefersBatchSearch(4, 400, 50), false, '400 searches for 50 photos cost more than 4 per photo');
  });
});
