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
import { arg } from './support/harness.js';

const PHOTOS = arg('--photos', 500);
const PARTICIPANTS = arg('--participants', 40);
/** Photos that settle together (a folder upload, a burst from a tethered camera). */
const BATCH = arg('--batch', 50);

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
  const participants = Array.from({ length: PARTICIPANTS }, (_, i) => ({ personId: `u${i}`, vector: null, engineFaceId: JSON.stringify({ e: `s${i}` }) }));
  let ours = 0;
  let older = 0;
  let faces = 0;
  let deferredInBatch = 0;
  const deferred: { id: string; faces: { id: string; photoId: string; vector: null; engineFaceId: string | null }[] }[] = [];
  const total = () => Object.entries(engine.usage()).filter(([api]) => api !== 'CreateCollection').reduce((n, [, c]) => n + c, 0);
  for (let i = 0; i < PHOTOS; i++) {
    const before = total();
    const detected = await engine.indexPhotoFaces({ photoId: `p${i}`, eventId: 'e', original: Buffer.alloc(1), objectKey: `k${i}` });
    const stored = detected.map((d, k) => ({ id: `r${i}-${k}`, photoId: `p${i}`, vector: null, engineFaceId: d.engineFaceId }));
    // As MatchingService does: search now, or leave it to the batch's per-participant search.
    // Photos of this batch still in flight, plus those already waiting for the batch search.
    const batchSize = BATCH - (i % BATCH) + deferredInBatch;
    if (engine.prefersBatchSearch(detected.length, participants.length, batchSize)) {
      deferredInBatch++;
      deferred.push({ id: `p${i}`, faces: stored });
    }
    else await engine.findParticipantsInPhoto({ eventId: 'e', photoId: `p${i}`, faces: stored, participants });
    ours += total() - before;
    older += 1 + 2 * detected.length;
    faces += detected.length;
    if ((i + 1) % BATCH === 0 || i === PHOTOS - 1) {
      if (deferredInBatch > 0) {
        // As MatchingService.matchPendingPhotos: per participant, or per photo if the batch turned out small.
        const b = total();
        const pendingFaces = deferred.reduce((n, d) => n + d.faces.length, 0);
        if (participants.length <= pendingFaces) {
          for (const participant of participants) await engine.findParticipantInEvent({ eventId: 'e', participant });
        } else {
          for (const d of deferred) await engine.findParticipantsInPhoto({ eventId: 'e', photoId: d.id, faces: d.faces, participants });
        }
        ours += total() - b;
      }
      deferredInBatch = 0;
      deferred.length = 0;
    }
  }
  rek.restore();
  process.stdout.write(
    [
      `simulated event: ${PHOTOS} photos in batches of ${BATCH}, ${faces} faces (${(faces / PHOTOS).toFixed(2)} per photo), ${PARTICIPANTS} participants with a selfie`,
      `baseline  older design, 1 + 2 × faces:      ${(older / PHOTOS).toFixed(2)} calls per photo (${older} in all)`,
      `ours      IndexFaces + cheaper of per-face now / per-participant per batch: ${(ours / PHOTOS).toFixed(2)} calls per photo (${ours} in all) → ${(older / ours).toFixed(2)}× fewer`,
      `bound     1 + faces:                        ${((PHOTOS + faces) / PHOTOS).toFixed(2)} calls per photo`,
      `calls by API: ${JSON.stringify(engine.usage())}`,
    ].join('\n') + '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
