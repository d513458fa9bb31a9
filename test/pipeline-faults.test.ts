import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompletePhotoUploadsDocument, PhotoDocument, RequestPhotoUploadsDocument } from './generated/graphql.js';
import { DisabledFaceEngine } from '../src/adapters/faces/disabled.face-engine.js';
import { UnreadableImageError, type DetectedFace, type PhotoImage } from '../src/ports/face-engine.js';
import { newEvent, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { devGroupPhoto } from './support/images.js';
import { uploadTo } from './support/upload.js';

/** Finds two fixed faces; fails on command, to play an engine outage. */
class ScriptedFaceEngine extends DisabledFaceEngine {
  override readonly name = 'scripted';
  calls = new Map<string, number>();
  failuresLeft = new Map<string, number>();
  unreadable = new Set<string>();

  override async indexPhotoFaces(image: PhotoImage): Promise<DetectedFace[]> {
    this.calls.set(image.photoId, (this.calls.get(image.photoId) ?? 0) + 1);
    if (this.unreadable.has(image.photoId)) throw new UnreadableImageError('The face service could not read this image.');
    const left = this.failuresLeft.get(image.photoId) ?? 0;
    if (left > 0) {
      this.failuresLeft.set(image.photoId, left - 1);
      throw new Error('engine unavailable');
    }
    const face = (left: number): DetectedFace => ({
      box: { left, top: 0.2, width: 0.1, height: 0.15 },
      confidence: 0.9,
      vector: new Float32Array(128).fill(left),
      engineFaceId: null,
    });
    return [face(0.1), face(0.5)];
  }
}

describe('photo pipeline under faults', () => {
  let server: TestServer;
  const faces = new ScriptedFaceEngine();
  let owner: string;
  let eventId: string;

  before(async () => {
    server = await startTestServer({
      hasher: plainHasher,
      worker: true,
      faces,
      env: { PHOTO_JOB_MAX_ATTEMPTS: '3', PHOTO_JOB_TIMEOUT_SECONDS: '5', STALE_JOB_SWEEP_INTERVAL_SECONDS: '1' },
    });
    ({ owner, eventId } = await newEvent(server, 'Faults'));
  });
  after(() => server.close());

  async function uploadOne(name: string): Promise<string> {
    const bytes = await devGroupPhoto(4);
    const [t] = (await server.gql(RequestPhotoUploadsDocument, { eventId, files: [{ filename: name, contentType: 'image/jpeg', byteSize: bytes.length }] }, { token: owner }))
      .data!.requestPhotoUploads;
    await uploadTo(t!.upload, bytes, 'image/jpeg');
    return t!.photo.id;
  }

  it('should queue again a photo left PROCESSING without a job (stale-job sweeper), and finish it', async () => {
    const id = await uploadOne('orphan.jpg');
    // As after a crash that lost the job: PROCESSING for an hour, nothing queued.
    await server.sql(`update photos set status = 'PROCESSING', updated_at = now() - interval '1 hour' where id = ?`, [id]);
    const photo = await waitForPhoto(server, owner, id, 20_000);
    assert.equal(photo.status, 'DONE');
    // A photo still within its job timeout is left alone.
    const fresh = await uploadOne('fresh.jpg');
    await server.sql(`update photos set status = 'PROCESSING', updated_at = now() where id = ?`, [fresh]);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await server.sql<{ status: string }>('select status from photos where id = ?', [fresh]))[0]!.status, 'PROCESSING');
  });

  it('should retry a transient failure with backoff and end DONE', async () => {
    const id = await uploadOne('flaky.jpg');
    faces.failuresLeft.set(id, 2);
    await server.gql(CompletePhotoUploadsDocument, { photoIds: [id] }, { token: owner });
    const photo = await waitForPhoto(server, owner, id);
    assert.equal(photo.status, 'DONE');
    assert.equal(photo.attempts, 3);
    assert.equal(photo.faceCount, 2);
    assert.equal(faces.calls.get(id), 3);
  });

  it('should mark FAILED with a readable message after the last attempt and dead-letter the job', async () => {
    const id = await uploadOne('doomed.jpg');
    faces.failuresLeft.set(id, 99);
    await server.gql(CompletePhotoUploadsDocument, { photoIds: [id] }, { token: owner });
    const photo = await waitForPhoto(server, owner, id);
    assert.equal(photo.status, 'FAILED');
    assert.equal(photo.errorCode, 'FACE_ENGINE_FAILED');
    assert.equal(photo.errorMessage, 'Face detection failed (gave up after 3 attempts).');
    assert.equal(faces.calls.get(id), 3);
    // The queue dead-letters the job once the last attempt's handler has returned, a moment after the photo is marked FAILED.
    const deadLetters = async () => (await server.sql<{ n: number }>(`select count(*)::int as n from pgboss.job where name = 'photo-process-dlq' and data->>'photoId' = ?`, [id]))[0]?.n;
    for (let i = 0; i < 50 && (await deadLetters()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await deadLetters(), 1, 'the job is in the dead-letter queue');
  });

  it('should fail a photo the face engine cannot read at once, with a readable message', async () => {
    const id = await uploadOne('odd.jpg');
    faces.unreadable.add(id);
    await server.gql(CompletePhotoUploadsDocument, { photoIds: [id] }, { token: owner });
    const photo = await waitForPhoto(server, owner, id);
    assert.deepEqual(
      [photo.status, photo.errorCode, photo.errorMessage, photo.attempts],
      ['FAILED', 'UNSUPPORTED_FORMAT', 'The face service could not read this image; export it as a standard JPEG.', 1],
    );
  });

  it('should leave exactly the same rows when a job is delivered again, even concurrently', async () => {
    const id = await uploadOne('twice.jpg');
    await server.gql(CompletePhotoUploadsDocument, { photoIds: [id] }, { token: owner });
    const first = await waitForPhoto(server, owner, id);
    assert.equal(first.status, 'DONE');
    const before = await server.sql('select id, face_index, box_left from faces where photo_id = ? order by face_index', [id]);

    // A redelivery after DONE is a no-op.
    await server.app.queue.enqueue('photo.process', { photoId: id });
    // Two copies racing on a photo that is not finished (as after an expiry) still converge.
    await server.sql(`update photos set status = 'UPLOADED' where id = ?`, [id]);
    const { PhotoPipeline } = await import('../src/services/photo-pipeline.service.js');
    const { sharpImageProcessor } = await import('../src/adapters/image/sharp.image-processor.js');
    const { PgPhotoRepository } = await import('../src/adapters/pg/pg.photo.repository.js');
    const { PgMatchRepository } = await import('../src/adapters/pg/pg.match.repository.js');
    const p = new PhotoPipeline({
      orm: server.app.db.orm,
      store: server.app.store,
      faces,
      bus: server.app.bus,
      clock: { now: () => new Date() },
      logger: server.app.logger,
      limits: { maxBytes: 40 * 1024 * 1024, maxPixels: 100_000_000, mozjpeg: false },
      images: sharpImageProcessor,
      photos: new PgPhotoRepository(() => server.app.db.orm.em.fork()),
      matchRepository: (em) => new PgMatchRepository(em),
      queue: server.app.queue,
      batchMatchDelaySeconds: 1,
    });
    const run = { photoId: id, jobId: 'manual', attempt: 1, isLastAttempt: false };
    await Promise.allSettled([p.run(run), p.run({ ...run, jobId: 'manual-2' })]);
    await new Promise((r) => setTimeout(r, 500));
    const after = await server.sql('select id, face_index, box_left from faces where photo_id = ? order by face_index', [id]);
    assert.equal(after.length, 2, 'still two faces, no duplicates');
    assert.deepEqual(after.map((f) => [f['face_index'], f['box_left']]), before.map((f) => [f['face_index'], f['box_left']]));
    const photo = (await server.gql(PhotoDocument, { id }, { token: owner })).data!.photo!;
    assert.equal(photo.status, 'DONE');
    assert.equal(photo.faceCount, 2);
    const rows = await server.sql<{ n: number }>('select count(*)::int as n from photos where id = ?', [id]);
    assert.equal(rows[0]?.n, 1);
  });
});
