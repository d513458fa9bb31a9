import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Participation, RematchJob, Selfie, SelfieStatus, type User } from '../domain/entities/index.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../domain/errors.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ObjectStore, PresignedUpload } from '../ports/object-store.js';
import type { UploadFile } from './photo.service.js';
import { quotaKeys, type Throttle } from './throttle.js';
import { isUuid } from './validation.js';
import { selfieKey } from '../domain/object-keys.js';
import type { FaceEngine } from '../ports/face-engine.js';
import { resolvePerson, throttlePeopleChange, type PeopleSettings } from './people.service.js';

export interface SelfieSettings {
  maxBytes: number;
  acceptedTypes: readonly string[];
  uploadUrlTtlSeconds: number;
  uploadsPerAccount: number;
  uploadsPerIp: number;
  uploadWindowSeconds: number;
  /** Deleting a selfie counts with the other changes to people. */
  people: Pick<PeopleSettings, 'changesPerAccount' | 'changesWindowSeconds'>;
}

/** Selfies a person keeps at most: a new one added past this replaces the oldest. */
export const MAX_SELFIES = 3;

/** A guest's reference selfies (theirs and those of the people they added): upload, then validation and matching in the worker. */
export class SelfieService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: {
      store: ObjectStore;
      /** The address the client reached FindMe at: the local store's upload URL is made for it. */
      origin?: string | undefined;
      queue: JobQueue;
      bus: EventBus;
      throttle: Throttle;
      logger: Logger;
      faces: FaceEngine;
      settings: SelfieSettings;
    },
  ) {}

  /**
   * A signed target for a new selfie of the guest or of a person they added.
   * Only for someone who consented to face matching in an event. `add`: it
   * joins the person's selfies (at most MAX_SELFIES, the oldest goes) instead
   * of replacing them.
   */
  async requestUpload(actor: User, file: UploadFile, ip: string, options: { personId?: string | null; add?: boolean | null } = {}): Promise<{ selfie: Selfie; upload: PresignedUpload }> {
    const { settings } = this.deps;
    await this.deps.throttle.consume(
      'selfie-upload',
      [
        { key: quotaKeys.selfiesUser(actor.id), max: settings.uploadsPerAccount, windowSeconds: settings.uploadWindowSeconds },
        { key: quotaKeys.selfiesIp(ip), max: settings.uploadsPerIp, windowSeconds: settings.uploadWindowSeconds },
      ],
      (s) => `Too many selfies sent. Try again in ${s} seconds.`,
    );
    if ((await this.em.count(Participation, { user: actor.id })) === 0) {
      throw new ForbiddenError('Join an event (and consent to face matching) before uploading a selfie.');
    }
    const person = await resolvePerson(this.em, actor, options.personId);
    const contentType = file.contentType.trim().toLowerCase();
    if (!settings.acceptedTypes.includes(contentType)) {
      throw new BadUserInputError('input.contentType', `input.contentType: ${file.contentType} is not accepted; send ${settings.acceptedTypes.join(', ')}.`);
    }
    if (!Number.isInteger(file.byteSize) || file.byteSize < 1 || file.byteSize > settings.maxBytes) {
      throw new BadUserInputError('input.byteSize', `input.byteSize: must be between 1 and ${settings.maxBytes} bytes.`);
    }
    const selfie = this.em.create(Selfie, { user: actor, personId: person.id, adds: Boolean(options.add), objectKey: '', contentType, byteSize: file.byteSize });
    selfie.objectKey = selfieKey(actor.id, selfie.id);
    await this.em.flush();
    const upload = await this.deps.store.createUpload(selfie.objectKey, {
      contentType,
      maxBytes: file.byteSize,
      expiresInSeconds: settings.uploadUrlTtlSeconds,
      baseUrl: this.deps.origin,
    });
    return { selfie, upload };
  }

  /** Queues validation and matching of an uploaded selfie; the job reports through rematchProgress. */
  async complete(actor: User, selfieId: string): Promise<RematchJob> {
    const selfie = isUuid(selfieId) ? await this.em.findOne(Selfie, { id: selfieId, user: actor.id }) : null;
    if (!selfie) throw new NotFoundError('Selfie');
    const existing = await this.em.findOne(RematchJob, { selfie: selfie.id }, { orderBy: { createdAt: 'desc' } });
    if (existing) return existing; // a repeated call (lost answer) gets the same job
    if (selfie.status !== SelfieStatus.PENDING) throw new ConflictError(`This selfie is already ${selfie.status}.`);
    const stored = await this.deps.store.head(selfie.objectKey);
    if (!stored) throw new BadUserInputError('id', 'id: the selfie has not been uploaded yet; send the file to the upload URL first.');
    const job = this.em.create(RematchJob, { user: actor, personId: selfie.personId, selfie });
    await this.em.flush();
    await this.deps.queue.enqueue('selfie.process', { selfieId: selfie.id, jobId: job.id }, { key: selfie.id });
    await this.deps.bus.publish('rematch.progress', { userId: actor.id, jobId: job.id });
    this.deps.logger.info({ userId: actor.id, jobId: job.id }, 'selfie queued');
    return job;
  }

  /**
   * Deletes one of a person's selfies (its file, template and engine faces).
   * The photos already found stay; the last selfie of the guest goes with
   * deleteMyFaceData, and an added person's with removePerson.
   */
  async deleteSelfie(actor: User, selfieId: string): Promise<string> {
    await throttlePeopleChange(this.deps.throttle, this.deps.settings.people, actor, 'your selfies');
    const selfie = isUuid(selfieId) ? await this.em.findOne(Selfie, { id: selfieId, user: actor.id, status: { $ne: SelfieStatus.REPLACED } }) : null;
    if (!selfie) throw new NotFoundError('Selfie');
    if (selfie.status === SelfieStatus.ACTIVE && (await this.em.count(Selfie, { personId: selfie.personId, status: SelfieStatus.ACTIVE })) <= 1) {
      throw new ConflictError(
        selfie.personId === actor.id
          ? 'This is your only selfie: to delete it, delete your face data.'
          : 'This is their only selfie: to delete it, remove the person.',
      );
    }
    if (selfie.engineFaceId) {
      const eventIds = (await this.em.find(Participation, { user: actor.id }, { fields: ['event'] })).map((p) => p.event.id);
      await this.deps.faces.deleteParticipantFaces(selfie.personId, eventIds, [{ personId: selfie.personId, vector: null, engineFaceId: selfie.engineFaceId }]);
    }
    await this.deps.store.delete([selfie.objectKey]);
    await this.em.nativeDelete(RematchJob, { selfie: selfie.id });
    await this.em.nativeDelete(Selfie, { id: selfie.id });
    this.deps.logger.info({ userId: actor.id, personId: selfie.personId, selfieId: selfie.id }, 'selfie deleted');
    return selfie.id;
  }

  /**
   * The caller's own selfie as it stands (the newest one not replaced: in use,
   * being checked, or refused) and their last rematch job; null when they
   * never sent one or deleted their face data.
   */
  async mySelfie(actor: User): Promise<{ selfie: Selfie; lastJob: RematchJob | null } | null> {
    const [selfie, lastJob] = await Promise.all([
      this.em.findOne(Selfie, { user: actor.id, personId: actor.id, status: { $ne: SelfieStatus.REPLACED } }, { orderBy: { createdAt: 'desc' } }),
      this.em.findOne(RematchJob, { user: actor.id }, { orderBy: { createdAt: 'desc' }, refresh: true }),
    ]);
    return selfie ? { selfie, lastJob } : null;
  }

  /** The caller's own job; anyone else's is NOT_FOUND. */
  async job(actor: User, jobId: string): Promise<RematchJob> {
    const job = isUuid(jobId) ? await this.em.findOne(RematchJob, { id: jobId, user: actor.id }, { refresh: true }) : null;
    if (!job) throw new NotFoundError('Rematch job');
    return job;
  }

  async reloadJob(jobId: string): Promise<RematchJob | null> {
    return this.em.findOne(RematchJob, { id: jobId }, { refresh: true });
  }
}
