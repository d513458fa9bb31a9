import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Event, Face, Photo, PhotoStatus } from '../domain/entities/index.js';
import type { Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import { UnreadableImageError, type DetectedFace, type FaceEngine } from '../ports/face-engine.js';
import { noTelemetry, type PhotoStage, type Telemetry } from '../ports/telemetry.js';
import type { JobOutcome, JobQueue } from '../ports/job-queue.js';
import type { ImageProcessor, NormalizedImage } from '../ports/image-processor.js';
import type { PhotoRepository } from '../ports/repositories/photo.repository.js';
import type { MatchRepository } from '../ports/repositories/match.repository.js';
import { ObjectNotFoundError, type ObjectStore } from '../ports/object-store.js';
import { photoKeys } from '../domain/object-keys.js';
import { MatchingService, type NewMatch } from './matching.service.js';
import { changeStatus } from './photo-status.js';
import { PhotoProcessingError } from '../domain/photo-processing-error.js';

export interface ProcessorLimits {
  maxBytes: number;
  maxPixels: number;
  mozjpeg: boolean;
}

/**
 * The photo pipeline of one job: PROCESSING → read → validate → normalise →
 * faces → DONE, or FAILED with a code and a readable message. Safe to run
 * twice for the same photo (redelivery after a crash or a timeout): derived
 * files have fixed keys, faces are replaced in one transaction keyed by
 * (photo, index), and a photo already DONE is left alone.
 */
/** One delivery of a photo's job. */
export interface PhotoRun {
  photoId: string;
  jobId: string;
  /** 1 for the first delivery. */
  attempt: number;
  /** True when a failure now is final: the photo is marked FAILED. */
  isLastAttempt: boolean;
}

/**
 * Where a photo's processing time went, in ms (logged with "photo processed"
 * and observed as findme_photo_stage_seconds): reading the original, the
 * renditions (display copy, thumbnail, guests' original, stored) and the faces
 * (found and described, in the face engine), which run at the same time, then
 * the database write and the matching. Engines that can say so split the faces
 * into decoding, finding the boxes and describing them.
 */
export type PhotoStages = Partial<Record<PhotoStage, number>>;

export class PhotoPipeline {
  constructor(
    private readonly deps: {
      orm: MikroORM;
      store: ObjectStore;
      faces: FaceEngine;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      limits: ProcessorLimits;
      images: ImageProcessor;
      photos: PhotoRepository;
      /** Matching's queries on a unit of work. */
      matchRepository: (em: EntityManager) => MatchRepository;
      queue: JobQueue;
      /** How long a batch may settle before its participants are searched (engines that prefer batches). */
      batchMatchDelaySeconds: number;
      telemetry?: Telemetry;
      /** This process's heartbeat id, recorded on the photos it holds (released if the heartbeat stops). */
      workerId?: string;
    },
  ) {}

  readonly run = async (job: PhotoRun): Promise<JobOutcome> => {
    const { photoId } = job;
    const logger = this.deps.logger.child({ photoId, jobId: job.jobId, attempt: job.attempt });
    const em = this.deps.orm.em.fork();
    const photo = await em.findOne(Photo, { id: photoId });
    if (!photo) {
      logger.info('photo no longer exists; job dropped');
      return 'skipped';
    }
    if (photo.status === PhotoStatus.DONE || photo.status === PhotoStatus.FAILED) {
      logger.info({ status: photo.status }, 'photo already finished; duplicate job dropped');
      return 'skipped';
    }
    const started = Date.now();
    await changeStatus(this.deps.photos, this.deps.bus, [photo.id], 'started', { attempts: job.attempt, workerId: this.deps.workerId ?? null });
    const telemetry = this.deps.telemetry ?? noTelemetry;
    try {
      const stages: PhotoStages = {};
      const finished = await this.process(photo, logger, stages);
      if (finished) telemetry.photoFinished('done');
      for (const [stage, ms] of Object.entries(stages) as [keyof PhotoStages, number][]) telemetry.photoStage(stage, ms / 1000);
      logger.info({ ms: Date.now() - started, stages }, 'photo processed');
      return finished ? 'done' : 'skipped';
    } catch (err) {
      const failure = classify(err);
      if (failure.permanent || job.isLastAttempt) {
        logger.warn({ err, code: failure.code, permanent: failure.permanent }, 'photo failed');
        await changeStatus(this.deps.photos, this.deps.bus, [photo.id], 'failed', {
          errorCode: failure.code,
          errorMessage: failure.permanent ? failure.message : `${failure.message.replace(/\.$/, '')} (gave up after ${job.attempt} attempts).`,
        });
        telemetry.photoFinished('failed');
        if (failure.permanent) return 'failed'; // acknowledged: retrying a bad file cannot help
      } else {
        logger.warn({ err, code: failure.code }, 'photo attempt failed; will retry');
        await changeStatus(this.deps.photos, this.deps.bus, [photo.id], 'retryLater');
      }
      throw err;
    }
  };

  /** True when this run took the photo to DONE. */
  private async process(photo: Photo, logger: Logger, stages: PhotoStages): Promise<boolean> {
    const since = (from: number) => Math.round(performance.now() - from);
    const readStarted = performance.now();
    const telemetry = this.deps.telemetry ?? noTelemetry;
    const { store, faces, limits } = this.deps;
    const eventId = photo.event.id;
    const keys = photoKeys(eventId, photo.id);
    const stored = await withStorage(() => store.head(photo.originalKey));
    if (!stored) throw new PhotoProcessingError('NOT_UPLOADED', 'The file has not been uploaded yet.');
    // Stores that cannot enforce the signed size (s3rver ignores POST policies) are checked here.
    if (stored.size > photo.byteSize || stored.size > limits.maxBytes) {
      throw new PhotoProcessingError('FILE_TOO_LARGE', `The file is larger (${stored.size} bytes) than the ${photo.byteSize} bytes announced for it.`);
    }
    const bytes = await withStorage(() => store.get(photo.originalKey));
    stages.read = since(readStarted);
    const normalize = { maxPixels: limits.maxPixels, mozjpeg: limits.mozjpeg, displayLongSide: 2048, thumbnailLongSide: 400 };
    // The header first (format, soundness, pixel limit): nothing is decoded for a file refused here.
    await this.deps.images.inspect(bytes, normalize);
    // After its retention period an event keeps its photos but no face data.
    const purged = (await this.deps.orm.em.fork().findOne(Event, { id: eventId }, { fields: ['faceDataPurgedAt'] }))?.faceDataPurgedAt ?? null;
    // Faces (worker threads) and renditions (libvips) at the same time: the photo is ready when the longer is done.
    const parallelStarted = performance.now();
    const detecting = (purged ? Promise.resolve<DetectedFace[]>([]) : faces.indexPhotoFaces({ photoId: photo.id, eventId, original: bytes, objectKey: photo.originalKey, onStages: (s) => Object.assign(stages, s) })).then((found) => {
      stages.faces = since(parallelStarted);
      return found;
    });
    detecting.catch(() => undefined); // awaited below; a file the renditions refuse is reported as theirs
    let image: NormalizedImage;
    try {
      image = await this.deps.images.normalize(bytes, normalize);
      await withStorage(() => store.put(keys.display, image.display, 'image/jpeg'));
      await withStorage(() => store.put(keys.thumbnail, image.thumbnail, 'image/webp'));
      // What guests download unless the event hands out untouched originals: no GPS, no serial numbers.
      const forGuests = await this.deps.images.guestOriginal(bytes, image.format, image.orientation);
      await withStorage(() => store.put(keys.guestOriginal, forGuests.bytes, forGuests.contentType));
      stages.renditions = since(parallelStarted);
    } catch (err) {
      await detecting.catch(() => undefined);
      throw err;
    }
    let detected: DetectedFace[] = [];
    try {
      detected = await detecting;
      // The face engine's own time (the renditions may have finished later).
      if (!purged) telemetry.faceStage('detect', (stages.faces ?? 0) / 1000);
    } catch (err) {
      if (err instanceof PhotoProcessingError) throw err;
      if (err instanceof UnreadableImageError) throw new PhotoProcessingError('UNSUPPORTED_FORMAT', `${err.message.replace(/\.$/, '')}; export it as a standard JPEG.`, { cause: err });
      throw new PhotoProcessingError('FACE_ENGINE_FAILED', 'Face detection failed.', { cause: err });
    }

    const em = this.deps.orm.em.fork();
    const savedStarted = performance.now();
    const finished = await em.transactional(async (tx) => {
      const current = await tx.findOne(Photo, { id: photo.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!current) return false;
      await tx.nativeDelete(Face, { photo: photo.id });
      detected.forEach((face, faceIndex) =>
        tx.create(Face, {
          photo: current,
          faceIndex,
          boxLeft: face.box.left,
          boxTop: face.box.top,
          boxWidth: face.box.width,
          boxHeight: face.box.height,
          confidence: face.confidence,
          vector: face.vector ? Buffer.from(face.vector.buffer, face.vector.byteOffset, face.vector.byteLength) : null,
          engineFaceId: face.engineFaceId,
        }),
      );
      current.width = image.width;
      current.height = image.height;
      current.displayKey = keys.display;
      current.guestOriginalKey = keys.guestOriginal;
      current.thumbnailKey = keys.thumbnail;
      current.faceCount = detected.length;
      current.errorCode = null;
      current.errorMessage = null;
      return true;
    });
    if (!finished) {
      // Deleted while we worked: leave nothing behind.
      await store.delete([keys.display, keys.thumbnail, keys.guestOriginal]);
      logger.info('photo deleted during processing; derived files removed');
      return false;
    }
    stages.database = since(savedStarted);
    await this.deps.bus.publish('faces.indexed', { eventId, photoId: photo.id });
    const matching = new MatchingService({ matches: this.deps.matchRepository(em), faces, bus: this.deps.bus });
    let result: { matches: NewMatch[]; deferred: boolean } = { matches: [], deferred: false };
    try {
      const matchStarted = performance.now();
      if (!purged) result = await matching.matchPhoto(eventId, photo.id);
      if (!purged) telemetry.faceStage('match', (performance.now() - matchStarted) / 1000);
      stages.matching = since(matchStarted);
    } catch (err) {
      throw new PhotoProcessingError('FACE_ENGINE_FAILED', 'Matching the faces with the guests failed.', { cause: err });
    }
    await changeStatus(this.deps.photos, this.deps.bus, [photo.id], 'finished', { processedAt: this.deps.clock.now() });
    const { matches } = result;
    await matching.announce(matches);
    if (result.deferred) {
      // One waiting search per event: the photos of a batch share it.
      await this.deps.queue.enqueue('event.match', { eventId }, { key: `event-match:${eventId}`, delaySeconds: this.deps.batchMatchDelaySeconds });
    }
    if (matches.length > 0) logger.info({ matches: matches.length }, 'participants found in photo');
    return true;
  }
}

async function withStorage<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof PhotoProcessingError) throw err;
    if (err instanceof ObjectNotFoundError) throw new PhotoProcessingError('NOT_UPLOADED', 'The file has not been uploaded yet.', { cause: err });
    throw new PhotoProcessingError('STORAGE_UNAVAILABLE', 'The photo storage could not be reached.', { cause: err });
  }
}

function classify(err: unknown): { code: string; message: string; permanent: boolean } {
  if (err instanceof PhotoProcessingError) return { code: err.code, message: err.message, permanent: err.permanent };
  return { code: 'PROCESSING_FAILED', message: 'Processing failed because of an internal error.', permanent: false };
}
