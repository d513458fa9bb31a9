import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateCollectionCommand,
  DeleteFacesCommand,
  DetectFacesCommand,
  IndexFacesCommand,
  RekognitionClient,
  SearchFacesCommand,
} from '@aws-sdk/client-rekognition';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { RekognitionFaceEngine } from '../src/adapters/faces/aws/rekognition.face-engine.js';
import { createLogger } from '../src/logger.js';
import { PgFaceVectorSource } from '../src/adapters/pg/pg.face-vectors.js';
import { JoinEventDocument, MeDocument } from './generated/graphql.js';
import { newAccount, newEvent, sendSelfie } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { identityPhoto } from './support/images.js';

/** A replaced selfie's face in Rekognition is never orphaned, even when deleting it fails. */
describe('Rekognition: replacing a selfie', () => {
  let rek: AwsClientStub<RekognitionClient>;
  let server: TestServer;
  let faces = 0;
  let deletesFail = false;
  const deleted: string[] = [];

  before(async () => {
    rek = mockClient(RekognitionClient);
    rek.on(CreateCollectionCommand).resolves({});
    rek.on(DetectFacesCommand).resolves({ FaceDetails: [{ Confidence: 99.9, BoundingBox: { Left: 0.2, Top: 0.1, Width: 0.6, Height: 0.7 } }] });
    rek.on(IndexFacesCommand).callsFake(() => {
      faces += 1;
      return { FaceRecords: [{ Face: { FaceId: `selfie-face-${faces}`, Confidence: 99.5, BoundingBox: { Left: 0.3, Top: 0.2, Width: 0.4, Height: 0.5 } } }] };
    });
    rek.on(SearchFacesCommand).resolves({ FaceMatches: [] });
    rek.on(DeleteFacesCommand).callsFake((input: { FaceIds: string[] }) => {
      if (deletesFail) throw Object.assign(new Error('Internal failure'), { name: 'InternalServerError', $metadata: {} });
      deleted.push(...input.FaceIds);
      return { DeletedFaces: input.FaceIds };
    });
    let refs: PgFaceVectorSource | undefined;
    const engine = new RekognitionFaceEngine(
      new RekognitionClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }),
      { collectionPrefix: 'findme-', faceThreshold: 90, minSimilarity: 90, detectMinConfidence: 90, maxTps: 50, selfieMinFacePx: 80, bucket: undefined },
      { facesByEngineIds: (ids) => refs!.facesByEngineIds(ids) },
      createLogger('silent'),
    );
    server = await startTestServer({ hasher: plainHasher, worker: true, faces: engine });
    refs = new PgFaceVectorSource(server.app.db.orm);
  });
  after(async () => {
    await server.close();
    rek.restore();
  });

  it('should keep the old face recorded when deleting it fails, and delete it on the next sweep', async () => {
    const { code } = await newEvent(server);
    const guest = await newAccount(server, 'PARTICIPANT');
    const me = (await server.gql(MeDocument, {}, { token: guest })).data!.me!;
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    assert.equal((await sendSelfie(server, guest, await identityPhoto('raj', 1))).status, 'DONE');
    const first = `selfie-face-${faces}`;

    deletesFail = true;
    assert.equal((await sendSelfie(server, guest, await identityPhoto('raj', 2))).status, 'DONE', 'the new selfie works even though the old face could not be deleted');
    assert.ok(!deleted.includes(first));
    const pending = await server.sql<{ engine_face_id: string }>(`select engine_face_id from selfies where user_id = ? and status = 'REPLACED'`, [me.id]);
    assert.equal(pending.length, 1);
    assert.match(pending[0]!.engine_face_id, new RegExp(first), 'the face to delete is still recorded');

    deletesFail = false;
    const purged = await server.app.services(server.app.db.orm.em.fork()).privacy.purgeReplacedSelfieFaces();
    assert.equal(purged, 1);
    assert.ok(deleted.includes(first), 'the sweep deleted it from Rekognition');
    const after = await server.sql<{ engine_face_id: string | null }>(`select engine_face_id from selfies where user_id = ? and status = 'REPLACED'`, [me.id]);
    assert.equal(after[0]!.engine_face_id, null);
  });
});
