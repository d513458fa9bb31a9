import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Match, MatchSource, Participation, RematchJob, RematchStatus, Selfie, SelfieStatus, User } from '../domain/entities/index.js';
import type { EventBus } from '../ports/event-bus.js';
import type { FaceEngine, FaceMatch, ParticipantFace } from '../ports/face-engine.js';
import { noTelemetry, type Telemetry } from '../ports/telemetry.js';
import type { JobOutcome } from '../ports/job-queue.js';
import type { ImageProcessor } from '../ports/image-processor.js';
import type { MatchRepository } from '../ports/repositories/match.repository.js';
import type { ObjectStore } from '../ports/object-store.js';
import { fromVector } from '../domain/face-vector.js';
import { MatchingService, type NewMatch } from './matching.service.js';

/**
 * Validates a new selfie (exactly one usable face), then matches it against
 * every photo of the participant's events. The new selfie and its matches
 * replace the old ones in one transaction; a refused selfie changes nothing.
 */
/** One delivery of a selfie's job. */
export interface SelfieRun {
  selfieId: string;
  /** The RematchJob the guest follows. */
  rematchJobId: string;
  jobId: string;
  isLastAttempt: boolean;
}

export class SelfieMatching {
  constructor(
    private readonly deps: {
      orm: MikroORM;
      store: ObjectStore;
      faces: FaceEngine;
      images: ImageProcessor;
      /** Matching's queries on a unit of work (the swap's transaction included). */
      matchRepository: (em: EntityManager) => MatchRepository;
      bus: EventBus;
      logger: Logger;
      telemetry?: Telemetry;
    },
  ) {}

  readonly run = async (job: SelfieRun): Promise<JobOutcome> => {
    const { selfieId, rematchJobId: jobId } = job;
    const logger = this.deps.logger.child({ selfieId, rematchJobId: jobId, jobId: job.jobId });
    const em = this.deps.orm.em.fork();
    const rematch = await em.findOne(RematchJob, { id: jobId }, { populate: ['selfie'] });
    if (!rematch || [RematchStatus.DONE, RematchStatus.VALIDATION_FAILED, RematchStatus.FAILED].includes(rematch.status)) return 'skipped';
    const selfie = rematch.selfie.getEntity();
    const userId = rematch.user.id;
    const started = performance.now();
    await this.update(em, rematch, { status: RematchStatus.RUNNING });
    const engineFaces: ParticipantFace[] = [];
    /** The events the new selfie was indexed in. */
    let indexedIn: string[] = [];
    try {
      const bytes = await this.deps.store.get(selfie.objectKey);
      // Events past their retention period take no new face data.
      const eventIds = (await em.find(Participation, { user: userId, faceMatching: true, event: { faceDataPurgedAt: null } }, { fields: ['event'] })).map((p) => p.event.id);
      indexedIn = eventIds;
      const check = this.deps.images.sniff(bytes)
        ? await this.deps.faces.indexSelfie({ userId, selfieId, image: bytes, objectKey: selfie.objectKey, eventIds })
        : ({ ok: false, reason: 'NOT_AN_IMAGE', message: 'This file is not a photo we can read: take a selfie with your camera.', faces: 0 } as const);
      if (!check.ok) {
        selfie.status = SelfieStatus.REJECTED;
        selfie.validationMessage = check.message;
        await this.deps.store.delete([selfie.objectKey]);
        await this.update(em, rematch, { status: RematchStatus.VALIDATION_FAILED, message: check.message, finishedAt: new Date() });
        logger.info({ reason: check.reason }, 'selfie refused');
        return 'failed';
      }

      const participant = { userId, vector: check.face.vector, engineFaceId: check.face.engineFaceId };
      engineFaces.push({ userId, vector: null, engineFaceId: check.face.engineFaceId });
      const repo = this.deps.matchRepository(em);
      const counts = await repo.donePhotosPerLiveEvent(userId);
      await this.update(em, rematch, { total: counts.reduce((n, c) => n + c.count, 0) });
      const found: { eventId: string; matches: FaceMatch[] }[] = [];
      let processed = 0;
      for (const { eventId, count: n, matchThreshold } of counts) {
        const rejectedPhotoIds = await repo.rejectedPhotoIds(userId, eventId);
        found.push({ eventId, matches: await this.deps.faces.findParticipantInEvent({ eventId, participant: { ...participant, rejectedPhotoIds }, minSimilarity: matchThreshold }) });
        processed += n;
        await this.update(em, rematch, { processed });
      }

      const matching = new MatchingService({ matches: this.deps.matchRepository(em), faces: this.deps.faces, bus: this.deps.bus });
      const replaced: string[] = [];
      const replacedIds: string[] = [];
      const oldFaces: { userId: string; vector: null; engineFaceId: string | null }[] = [];
      const created: NewMatch[] = [];
      await em.transactional(async (tx) => {
        // One selfie swap per user at a time.
        await tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        const previous = await tx.find(Selfie, { user: userId, status: SelfieStatus.ACTIVE });
        for (const old of previous) {
          old.status = SelfieStatus.REPLACED;
          old.vector = null; // a replaced template is biometric data we no longer need
          replaced.push(old.objectKey);
          replacedIds.push(old.id);
          // The engine face stays recorded on the row until the engine has deleted it, so a failure can be retried.
          if (old.engineFaceId) oldFaces.push({ userId, vector: null, engineFaceId: old.engineFaceId });
        }
        const current = await tx.findOne(Selfie, { id: selfieId });
        if (!current) throw new SelfieErasedError();
        current.status = SelfieStatus.ACTIVE;
        current.vector = check.face.vector ? fromVector(check.face.vector) : null;
        current.engineFaceId = check.face.engineFaceId;
        current.validationMessage = null;
        await tx.flush();
        // What the guest had already: the new selfie's matches replace these, and only the others are news.
        const had = new Set((await tx.find(Match, { user: userId }, { fields: ['photo'] })).map((m) => m.photo.id));
        await tx.nativeDelete(Match, { user: userId });
        for (const { eventId, matches } of found) {
          const saved = await matching.save(eventId, matches, MatchSource.REMATCH, this.deps.matchRepository(tx));
          created.push(...saved.filter((m) => !had.has(m.photoId)));
        }
      });
      if (replaced.length > 0) await this.deps.store.delete(replaced);
      if (oldFaces.length > 0) {
        try {
          await this.deps.faces.deleteParticipantFaces(userId, eventIds, oldFaces);
          await em.nativeUpdate(Selfie, { id: { $in: replacedIds } }, { engineFaceId: null });
        } catch (err) {
          logger.warn({ err }, 'could not delete the replaced selfie from the face engine; the sweep will retry');
        }
      }
      const matched = await repo.matchedPhotoCount(userId);
      // The matches are announced before DONE: a gallery opened on DONE then hears only of photos that come later.
      await matching.announce(created);
      await this.update(em, rematch, { status: RematchStatus.DONE, processed, matched, finishedAt: new Date() });
      (this.deps.telemetry ?? noTelemetry).faceStage('selfie', (performance.now() - started) / 1000);
      logger.info({ matched, events: counts.length }, 'selfie matched');
      return 'done';
    } catch (err) {
      if (err instanceof SelfieErasedError) {
        // The guest deleted their face data while we worked: forget what the engine just learnt.
        await this.deps.faces.deleteParticipantFaces(userId, indexedIn, engineFaces);
        logger.info('selfie erased during processing; engine faces removed');
        return 'skipped';
      }
      if (job.isLastAttempt) {
        await this.update(em, rematch, { status: RematchStatus.FAILED, message: 'Matching failed; try uploading your selfie again.', finishedAt: new Date() });
      } else {
        await this.update(em, rematch, { status: RematchStatus.QUEUED });
      }
      throw err;
    }
  };

  private async update(em: ReturnType<MikroORM['em']['fork']>, job: RematchJob, changes: Partial<Pick<RematchJob, 'status' | 'processed' | 'total' | 'matched' | 'message' | 'finishedAt'>>): Promise<void> {
    Object.assign(job, changes);
    await em.flush();
    await this.deps.bus.publish('rematch.progress', { userId: job.user.id, jobId: job.id });
  }
}

/** The selfie row vanished mid-job: its owner deleted their face data or account. */
class SelfieErasedError extends Error {
  constructor() {
    super('selfie erased during processing');
    this.name = 'SelfieErasedError';
  }
}
