import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Face, Match, MatchSource, Participation, ParticipantStatus, Person, RematchJob, Selfie, SelfieStatus, type Photo, type User } from '../domain/entities/index.js';
import { BadUserInputError, ConflictError, FaceNotYoursError, ForbiddenError, NotFoundError } from '../domain/errors.js';
import { toVector } from '../domain/face-vector.js';
import type { EventBus } from '../ports/event-bus.js';
import type { FaceEngine, ParticipantFace } from '../ports/face-engine.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { MatchRepository } from '../ports/repositories/match.repository.js';
import { MatchingService } from './matching.service.js';
import { GUARDIAN_CONSENT_VERSION } from './privacy-policy.js';
import { quotaKeys, type Throttle } from './throttle.js';
import { isUuid } from './validation.js';

/** People a guest may add besides themself. */
export const MAX_PEOPLE = 4;

/** A person a guest looks for: themself (their person id is their user id) or someone they added. */
export interface PersonView {
  id: string;
  name: string;
  isMe: boolean;
}

export interface PeopleSettings {
  /** Changes to people (add, remove, delete a selfie) per account per window. */
  changesPerAccount: number;
  changesWindowSeconds: number;
  /** "This is me" claims per account and per IP per window: each one is a biometric comparison. */
  claimsPerAccount: number;
  claimsPerIp: number;
  claimsWindowSeconds: number;
}

/** The limits on people and claims: a claim is a biometric comparison, so it is throttled hardest. */
export const PEOPLE_LIMITS: PeopleSettings = {
  changesPerAccount: 30,
  changesWindowSeconds: 3600,
  claimsPerAccount: 10,
  claimsPerIp: 30,
  claimsWindowSeconds: 600,
};

/**
 * The person `personId` names for this guest: themself when it is null or
 * their own id, else one of the people they added; NOT_FOUND for anyone
 * else's (as for an id that does not exist).
 */
export async function resolvePerson(em: EntityManager, actor: User, personId: string | null | undefined): Promise<PersonView> {
  if (!personId || personId === actor.id) return { id: actor.id, name: actor.displayName, isMe: true };
  const person = isUuid(personId) ? await em.findOne(Person, { id: personId, owner: actor.id }) : null;
  if (!person) throw new NotFoundError('Person');
  return { id: person.id, name: person.name, isMe: false };
}

/**
 * The people a guest looks for, and their own corrections: "this is me" on a
 * face the matcher missed. An added person's data is as private as the
 * guest's: only that guest ever sees them.
 */
export class PeopleService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: {
      faces: FaceEngine;
      queue: JobQueue;
      bus: EventBus;
      throttle: Throttle;
      logger: Logger;
      matches: MatchRepository;
      /** The photo, if the guest may see it (NOT_FOUND otherwise). */
      visiblePhoto: (actor: User, photoId: string) => Promise<Photo>;
      /** Erases one added person's selfies, faces, references and matches, then the person. */
      erasePerson: (actor: User, personId: string) => Promise<void>;
      settings: PeopleSettings;
    },
  ) {}

  /** The guest first, then the people they added, oldest first. */
  async myPeople(actor: User): Promise<PersonView[]> {
    const added = await this.em.find(Person, { owner: actor.id }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return [{ id: actor.id, name: actor.displayName, isMe: true }, ...added.map((p) => ({ id: p.id, name: p.name, isMe: false }))];
  }

  /**
   * A person's selfies as they stand: those in use and those being checked,
   * newest first, and a refused one while it is the newest (so its reason shows).
   */
  async selfiesOf(actor: User, personId: string): Promise<{ selfie: Selfie; lastJob: RematchJob | null }[]> {
    const selfies = await this.em.find(Selfie, { user: actor.id, personId, status: { $ne: SelfieStatus.REPLACED } }, { orderBy: { createdAt: 'desc' } });
    const shown = selfies.filter((s, i) => s.status !== SelfieStatus.REJECTED || i === 0);
    const jobs = shown.length === 0 ? [] : await this.em.find(RematchJob, { selfie: { $in: shown.map((s) => s.id) } }, { orderBy: { createdAt: 'desc' }, refresh: true });
    return shown.map((selfie) => ({ selfie, lastJob: jobs.find((j) => j.selfie?.id === selfie.id) ?? null }));
  }

  async addPerson(actor: User, input: { name: string; consentVersion: string }): Promise<PersonView> {
    await this.throttleChange(actor);
    const name = input.name.trim().replace(/\s+/g, ' ');
    if (name.length === 0 || name.length > 60) throw new BadUserInputError('input.name', 'input.name: give a name of 1 to 60 characters.');
    if (input.consentVersion !== GUARDIAN_CONSENT_VERSION) {
      throw new BadUserInputError('input.consentVersion', `input.consentVersion: agree to the current text for people you add (version ${GUARDIAN_CONSENT_VERSION}, in privacyPolicy.guardianConsentText).`);
    }
    if ((await this.em.count(Participation, { user: actor.id })) === 0) {
      throw new ForbiddenError('Join an event (and consent to face matching) before adding someone to look for.');
    }
    if ((await this.em.count(Person, { owner: actor.id })) >= MAX_PEOPLE) {
      throw new ConflictError(`You can look for at most ${MAX_PEOPLE} people besides yourself. Remove one first.`);
    }
    const person = this.em.create(Person, { owner: actor, name, consentedAt: new Date(), consentVersion: input.consentVersion });
    await this.em.flush();
    this.deps.logger.info({ userId: actor.id, personId: person.id }, 'person added');
    return { id: person.id, name: person.name, isMe: false };
  }

  /** Erases the person's selfies, faces, references and matches, then the person. Returns their id. */
  async removePerson(actor: User, personId: string): Promise<string> {
    await this.throttleChange(actor);
    const person = await resolvePerson(this.em, actor, personId);
    if (person.isMe) throw new BadUserInputError('id', 'id: you cannot remove yourself; delete your face data or your account instead.');
    await this.deps.erasePerson(actor, person.id);
    this.deps.logger.info({ userId: actor.id, personId: person.id }, 'person removed');
    return person.id;
  }

  /**
   * "This is me" (or my child): the face at `faceIndex` of a photo the guest
   * may see becomes the person's, and a reference for their next searches,
   * when it plausibly looks like one of their selfies (FACE_NOT_YOURS
   * otherwise: a claim never collects a stranger's photos). A search of the
   * guest's events starts, followed over rematchProgress.
   */
  async claimFace(actor: User, input: { photoId: string; faceIndex: number; personId?: string | null | undefined }, ip: string): Promise<{ photo: Photo; job: RematchJob | null }> {
    const { settings } = this.deps;
    await this.deps.throttle.consume(
      'claim-face',
      [
        { key: quotaKeys.claimsUser(actor.id), max: settings.claimsPerAccount, windowSeconds: settings.claimsWindowSeconds },
        { key: quotaKeys.claimsIp(ip), max: settings.claimsPerIp, windowSeconds: settings.claimsWindowSeconds },
      ],
      (s) => `Too many faces claimed. Try again in ${s} seconds.`,
    );
    const person = await resolvePerson(this.em, actor, input.personId);
    const photo = await this.deps.visiblePhoto(actor, input.photoId);
    const eventId = photo.event.id;
    const membership = await this.em.findOne(Participation, { user: actor.id, event: eventId });
    if (!membership || membership.status !== ParticipantStatus.APPROVED) throw new ForbiddenError('Only guests of this event can say who is in its photos.');
    if (!membership.faceMatching) throw new ForbiddenError('You turned face matching off for this event: join it again to turn it back on.');
    const face = Number.isInteger(input.faceIndex) && input.faceIndex >= 0
      ? await this.em.findOne(Face, { photo: photo.id, faceIndex: input.faceIndex }, { populate: ['vector'] })
      : null;
    if (!face) throw new BadUserInputError('faceIndex', `faceIndex: this photo has no face ${input.faceIndex}; use an index from Photo.faces.`);
    const existing = await this.em.findOne(Match, { photo: photo.id, personId: person.id });
    if (existing?.face.id === face.id && existing.source === MatchSource.CLAIM) return { photo, job: null };
    const selfies = await this.em.find(Selfie, { personId: person.id, status: SelfieStatus.ACTIVE }, { populate: ['vector'] });
    if (selfies.length === 0) {
      throw new ConflictError(person.isMe ? 'Send a selfie first: a face is checked against it.' : `Send a selfie of ${person.name} first: a face is checked against it.`);
    }
    const judged = await this.deps.faces.judgeClaim({
      eventId,
      face: { id: face.id, photoId: photo.id, vector: toVector(face.vector), engineFaceId: face.engineFaceId },
      selfies: selfies.map((s): ParticipantFace => ({ personId: person.id, vector: toVector(s.vector), engineFaceId: s.engineFaceId })),
    });
    if (!judged.plausible) {
      this.deps.logger.info({ userId: actor.id, personId: person.id, photoId: photo.id, similarity: judged.similarity }, 'face claim refused');
      throw new FaceNotYoursError(person.isMe ? 'This face does not look like your selfie.' : `This face does not look like ${person.name}'s selfie.`);
    }
    const created = await this.deps.matches.claim({ personId: person.id, photoId: photo.id, faceId: face.id, similarity: judged.similarity });
    // Their next searches start from this face too.
    const job = this.em.create(RematchJob, { user: actor, personId: person.id, selfie: null });
    await this.em.flush();
    await this.deps.queue.enqueue('selfie.process', { selfieId: null, jobId: job.id }, { key: `claim:${job.id}` });
    await this.deps.bus.publish('rematch.progress', { userId: actor.id, jobId: job.id });
    if (created) {
      const matching = new MatchingService({ matches: this.deps.matches, faces: this.deps.faces, bus: this.deps.bus });
      await matching.announce([{ eventId, photoId: photo.id, userId: actor.id, personId: person.id }]);
    }
    this.deps.logger.info({ userId: actor.id, personId: person.id, photoId: photo.id, jobId: job.id }, 'face claimed');
    return { photo, job };
  }

  private async throttleChange(actor: User): Promise<void> {
    await throttlePeopleChange(this.deps.throttle, this.deps.settings, actor, 'the people you look for');
  }
}

/** One change to the people a guest looks for or to their selfies, counted against the account's quota for such changes. */
export async function throttlePeopleChange(
  throttle: Throttle,
  limits: Pick<PeopleSettings, 'changesPerAccount' | 'changesWindowSeconds'>,
  actor: User,
  what: string,
): Promise<void> {
  await throttle.consume(
    'people',
    [{ key: quotaKeys.peopleUser(actor.id), max: limits.changesPerAccount, windowSeconds: limits.changesWindowSeconds }],
    (s) => `Too many changes to ${what}. Try again in ${s} seconds.`,
  );
}
