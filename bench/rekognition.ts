/**
 * bench/rekognition: Rekognition calls per photo on a simulated event (SDK client
 * mock: no AWS account needed), against the older design's 1 + 2 × faces
 * (IndexFaces, then DetectFaces/SearchFacesByImage per face) computed for the same photos.
 *
 *   npm run bench:rekognition [-- --photos 500 --participants 40]
 */
import { CreateCollectionCommand, IndexFacesCommand, RekognitionClient, SearchFacesCommand } from '@aws-sdk/client-rekognition';
import { mockClient } from 'aws-sdk-client-mock';
import { RekognitionFaceEngine } from '../src/adapters/faces/aws/rekognition.face-engine.js';
import { createLogger } from '../src/logger.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PHOTOS = arg('--photos', 500);
const PARTICIPANTS = arg('--participants', 40);

async function main(): Promise<void> {
  const rek = mockClient(RekognitionClient);
  let next = 0;
  // Event photos: mostly small groups, some crowds (1 to 12 faces).
  const faceCounts = Array.from({ length: PHOTOS }, (_, i) => 1 + ((i * 7919) % 12 === 0 ? 11 : (i * 31) % 5));
  let photo = 0;
  rek.on(CreateCollectionCommand).resolves({});
  rek.on(IndexFacesCommand).callsFake(async () => ({
    FaceRecords: Array.from({ length: faceCounts[photo++] ?? 1 }, () => ({ Face: { FaceId: `f${next++}`, Confidence: 99 } })),
  }));
  rek.on(SearchFacesCommand).resolves({ FaceMatches: [] });
  const engine = new RekognitionFaceEngine(
    new RekognitionClient({ region: 'eu-west-1' }),
    { collectionPrefix: 'b-', faceThreshold: 90, minSimilarity: 90, detectMinConfidence: 90, maxTps: 100_000, selfieMinFacePx: 80, bucket: 'photos' },
    { facesByEngineIds: async () => [] },
    createLogger('silent'),
  );
  const participants = Array.from({ length: PARTICIPANTS }, (_, i) => ({ userId: `u${i}`, vector: null, engineFaceId: JSON.stringify({ e: `s${i}` }) }));
  let ours = 0;
  let older = 0;
  let faces = 0;
  for (let i = 0; i < PHOTOS; i++) {
    const before = Object.values(engine.usage()).reduce((a, b) => a + b, 0) - (engine.usage()['CreateCollection'] ?? 0);
    const detected = await engine.indexPhotoFaces({ photoId: `p${i}`, eventId: 'e', original: Buffer.alloc(1), objectKey: `k${i}` });
    const stored = detected.map((d, k) => ({ id: `r${i}-${k}`, photoId: `p${i}`, vector: null, engineFaceId: d.engineFaceId }));
    await engine.findParticipantsInPhoto({ eventId: 'e', photoId: `p${i}`, faces: stored, participants });
    const after = Object.values(engine.usage()).reduce((a, b) => a + b, 0) - (engine.usage()['CreateCollection'] ?? 0);
    ours += after - before;
    older += 1 + 2 * detected.length;
    faces += detected.length;
  }
  rek.restore();
  process.stdout.write(
    [
      `simulated event: ${PHOTOS} photos, ${faces} faces (${(faces / PHOTOS).toFixed(2)} per photo), ${PARTICIPANTS} participants with a selfie`,
      `baseline  older design, 1 + 2 × faces:      ${(older / PHOTOS).toFixed(2)} calls per photo (${older} in all)`,
      `ours      IndexFaces + cheaper search side: ${(ours / PHOTOS).toFixed(2)} calls per photo (${ours} in all) → ${(older / ours).toFixed(2)}× fewer`,
      `bound     1 + faces:                        ${((PHOTOS + faces) / PHOTOS).toFixed(2)} calls per photo`,
      `calls by API: ${JSON.stringify(engine.usage())}`,
    ].join('\n') + '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
