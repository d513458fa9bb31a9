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
import { fromVector, toVector } from '../domain/face-vector.js';
import { MAX_SELFIES } from './selfie.service.js';
import { MatchingService, type NewMatch } from './matching.service.js';

/** One delivery of a selfie's job. */
export interface SelfieRun {
  /** The new selfie; null for a search after a claimed face. */
  selfieId: string | null;
  /** The RematchJob the guest follows. */
  rematchJobId: string;
  jobId: string;
  isLastAttempt: boolean;
}

/**
 * Validates a new selfie (exactly one usable face), then matches the person
 * (the guest or someone they added) against every photo of the guest's
 * events with each of their selfies. A selfie that replaces the others
 * replaces their matches too (claimed faces stay); one that joins them, or a
 * search after a claimed face, only adds. All in one transaction; a refused
 * selfie changes nothing.
 */
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
    const selfie = rematch.selfie?.getEntity() ?? null;
    const userId = rematch.user.id;
    const personId = rematch.personId;
    const started = performance.now();
    await this.update(em, rematch, { status: RematchStatus.RUNNING });
    const engineFaces: ParticipantFace[] = [];
    /** The events the new selfie was indexed in. */
    let indexedIn: string[] = [];
    try {
      // Events past their retention period take no new face data.
      const eventIds = (await em.find(Participation, { user: userId, faceMatching: true, event: { faceDataPurgedAt: null } }, { fields: ['event'] })).map((p) => p.event.id);
      indexedIn = eventIds;
      let fresh: ParticipantFace | null = null;
      if (selfie) {
        const bytes = await this.deps.store.get(selfie.objectKey);
        const check = this.deps.images.sniff(bytes)
          ? await this.deps.faces.indexSelfie({ personId, selfieId: selfie.id, image: bytes, objectKey: selfie.objectKey, eventIds })
          : ({ ok: false, reason: 'NOT_AN_IMAGE', message: 'This file is not a photo we can read: take a selfie with your camera.', faces: 0 } as const);
        if (!check.ok) {
          selfie.status = SelfieStatus.REJECTED;
          selfie.validationMessage = check.message;
          await this.deps.store.delete([selfie.objectKey]);
          await this.update(em, rematch, { status: RematchStatus.VALIDATION_FAILED, message: check.message, finishedAt: new Date() });
          logger.info({ reason: check.reason }, 'selfie refused');
          return 'failed';
        }
        fresh = { personId, vector: check.face.vector, engineFaceId: check.face.engineFaceId };
        engineFaces.push({ personId, vector: null, engineFaceId: check.face.engineFaceId });
      }
      // Every selfie the person keeps is a reference: the new one, and (when it joins them, or after a claim) the others.
      const replacing = Boolean(selfie && !selfie.adds);
      const others = replacing ? [] : await em.find(Selfie, { personId, status: SelfieStatus.ACTIVE, ...(selfie ? { id: { $ne: selfie.id } } : {}) }, { orderBy: { createdAt: 'desc' }, populate: ['vector'] });
      const kept = others.slice(0, fresh ? MAX_SELFIES - 1 : MAX_SELFIES);
      const selfies = [...(fresh ? [fresh] : []), ...kept.map((s): ParticipantFace => ({ personId, vector: toVector(s.vector), engineFaceId: s.engineFaceId }))];

      const repo = this.deps.matchRepository(em);
      const counts = await repo.donePhotosPerLiveEvent(userId);
      await this.update(em, rematch, { total: counts.reduce((n, c) => n + c.count, 0) });
      const found: { eventId: string; matches: FaceMatch[] }[] = [];
      let processed = 0;
      for (const { eventId, count: n, matchThreshold } of counts) {
        const rejectedPhotoIds = await repo.rejectedPhotoIds(personId, eventId);
        // A new selfie that replaces the others keeps only the faces the guest claimed as references; the matches it replaces go.
        const references = (await repo.personReferences(personId, eventId)).filter((r) => !replacing || r.claimed);
        const matches: FaceMatch[] = [];
        for (const reference of selfies) {
          matches.push(...(await this.deps.faces.findParticipantInEvent({ eventId, participant: { ...reference, rejectedPhotoIds, references }, minSimilarity: matchThreshold })));
        }
        found.push({ eventId, matches });
        processed += n;
        await this.update(em, rematch, { processed });
      }

      const matching = new MatchingService({ matches: this.deps.matchRepository(em), faces: this.deps.faces, bus: this.deps.bus });
      const replaced: string[] = [];
      const replacedIds: string[] = [];
      const oldFaces: ParticipantFace[] = [];
      const created: NewMatch[] = [];
      await em.transactional(async (tx) => {
        // One selfie swap per guest at a time.
        await tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (selfie) {
          const keep = new Set(kept.map((s) => s.id));
          const previous = await tx.find(Selfie, { personId, status: SelfieStatus.ACTIVE });
          for (const old of previous.filter((s) => !keep.has(s.id))) {
            old.status = SelfieStatus.REPLACED;
            old.vector = null; // a replaced template is biometric data we no longer need
            replaced.push(old.objectKey);
            replacedIds.push(old.id);
            // The engine face stays recorded on the row until the engine has deleted it, so a failure can be retried.
            if (old.engineFaceId) oldFaces.push({ personId, vector: null, engineFaceId: old.engineFaceId });
          }
          const current = await tx.findOne(Selfie, { id: selfie.id });
          if (!current) throw new SelfieErasedError();
          current.status = SelfieStatus.ACTIVE;
          current.vector = fresh?.vector ? fromVector(fresh.vector) : null;
          current.engineFaceId = fresh?.engineFaceId ?? null;
          current.validationMessage = null;
          await tx.flush();
        } else if ((await tx.count(Selfie, { personId, status: SelfieStatus.ACTIVE })) === 0) {
          throw new SelfieErasedError();
        }
        // What the guest had already: only the others are news.
        const had = new Set((await tx.find(Match, { personId }, { fields: ['photo'] })).map((m) => m.photo.id));
        // The new selfie's matches replace the old ones; faces the guest claimed stay theirs.
        if (replacing) await tx.nativeDelete(Match, { personId, source: { $ne: MatchSource.CLAIM } });
        for (const { eventId, matches } of found) {
          const saved = await matching.save(eventId, matches, MatchSource.REMATCH, this.deps.matchRepository(tx));
          created.push(...saved.filter((m) => !had.has(m.photoId)));
        }
      });
      if (replaced.length > 0) await this.deps.store.delete(replaced);
      if (oldFaces.length > 0) {
        try {
          await this.deps.faces.deleteParticipantFaces(personId, eventIds, oldFaces);
          await em.nativeUpdate(Selfie, { id: { $in: replacedIds } }, { engineFaceId: null });
        } catch (err) {
          logger.warn({ err }, 'could not delete the replaced selfie from the face engine; the sweep will retry');
        }
      }
      const matched = await repo.matchedPhotoCount(personId);
      // The matches are announced before DONE: a gallery opened on DONE then hears only of photos that come later.
      await matching.announce(created);
      await this.update(em, rematch, { status: RematchStatus.DONE, processed, matched, finishedAt: new Date() });
      (this.deps.telemetry ?? noTelemetry).faceStage('selfie', (performance.now() - started) / 1000);
      logger.info({ matched, events: counts.length, selfies: selfies.length }, selfie ? 'selfie matched' : 'person searched again');
      return 'done';
    } catch (err) {
      if (err instanceof SelfieErasedError) {
        // The guest deleted their face data while we worked: forget what the engine just learnt.
        await this.deps.faces.deleteParticipantFaces(personId, indexedIn, engineFaces);
        logger.info('selfie erased during processing; engine faces removed');
        await this.update(em, rematch, { status: RematchStatus.FAILED, message: 'Your face data was deleted.', finishedAt: new Date() }).catch(() => undefined);
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
