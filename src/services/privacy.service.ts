import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Event, Participation, Photo, RematchJob, Selfie, SelfieStatus, type User } from '../domain/entities/index.js';
import type { Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { FaceEngine, ParticipantFace, StoredFace } from '../ports/face-engine.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { JobOutcome, JobQueue } from '../ports/job-queue.js';
import { eventPrefix, userPrefix } from '../domain/object-keys.js';
import type { ObjectErasure } from './object-erasure.js';
import type { SessionCache } from './session-cache.js';
import type { PrivacyRepository } from '../ports/repositories/privacy.repository.js';
import { quotaKeys } from './throttle.js';
import { isUuid } from './validation.js';
import { NotFoundError } from '../domain/errors.js';
import { loadManagedEvent } from './event-access.js';

/**
 * Forgetting: a guest's face data on request (GDPR art. 9 withdrawal of
 * consent), whole accounts, and every event's face data once its retention
 * period is over. The face engine and the object store are cleaned before the
 * rows that point at what they hold, so a failure half-way can be retried.
 */
export class PrivacyService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: {
      records: PrivacyRepository;
      queue: JobQueue;
      store: ObjectStore;
      erasure: ObjectErasure;
      faces: FaceEngine;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      sessions?: SessionCache;
    },
  ) {}

  /**
   * Deletes the user's selfies (objects and templates), their faces in the
   * engine, their matches and the photo faces they were matched to; the same
   * for every person they added, who go too. They stay a member of their
   * events and may send a new selfie later.
   */
  async deleteFaceData(user: User): Promise<void> {
    const userId = user.id;
    const matchedFaces = await this.deps.records.facesMatchedTo({ userId });
    await this.deleteEngineFaces(matchedFaces);
    await this.eraseSelfies(userId);
    await this.deps.records.forgetMatches({ userId }, matchedFaces.map((f) => f.faceId));
    await this.deps.records.deletePeople(userId);
    for (const eventId of new Set(matchedFaces.map((f) => f.eventId))) await this.deps.bus.publish('faces.erased', { eventId });
    this.deps.logger.info({ userId, photoFaces: matchedFaces.length }, 'face data deleted');
  }

  /**
   * Withdraws consent to face matching in one event only: the user's matches
   * there go with the photo faces they were matched to (in the engine too),
   * the event's engine forgets their selfie, and matching stays off there
   * until they join the event again. Their selfie stays for other events.
   */
  async deleteFaceDataIn(user: User, eventId: string): Promise<void> {
    await this.assertMember(user.id, eventId);
    // Matching stops first, so nothing new is found while the rest goes.
    await this.deps.records.stopMatching(user.id, eventId);
    const matchedFaces = (await this.deps.records.facesMatchedTo({ userId: user.id })).filter((f) => f.eventId === eventId);
    await this.deleteEngineFaces(matchedFaces);
    await this.forgetSelfieIn(user.id, eventId);
    await this.deps.records.forgetMatches({ userId: user.id }, matchedFaces.map((f) => f.faceId), eventId);
    await this.deps.bus.publish('faces.erased', { eventId });
    this.deps.logger.info({ userId: user.id, eventId, photoFaces: matchedFaces.length }, 'face data deleted for one event');
  }

  /**
   * Leaves an event: the membership, the user's matches and "not me" marks
   * there go, and the event's face engine forgets their selfie. Their selfie
   * stays for their other events. Returns the event's id.
   */
  async leaveEvent(user: User, eventId: string): Promise<string> {
    await this.assertMember(user.id, eventId);
    await this.forgetSelfieIn(user.id, eventId);
    if (!(await this.deps.records.leaveEvent(user.id, eventId))) throw new NotFoundError('Event');
    await this.deps.bus.publish('faces.erased', { eventId });
    await this.deps.bus.publish('access.changed', { eventId, userId: user.id });
    this.deps.logger.info({ userId: user.id, eventId }, 'left the event');
    return eventId;
  }

  /** NOT_FOUND (as for an event that does not exist) unless the user is a member of the event. */
  private async assertMember(userId: string, eventId: string): Promise<void> {
    const member = isUuid(eventId) ? await this.em.count(Participation, { user: userId, event: eventId }) : 0;
    if (member === 0) throw new NotFoundError('Event');
  }

  /**
   * Removes a person the guest added: their selfies (files, templates, engine
   * faces), the photo faces they were matched to, their matches and "not me"
   * marks, then the person. The guest's own data stays.
   */
  async erasePerson(user: User, personId: string): Promise<void> {
    const matchedFaces = await this.deps.records.facesMatchedTo({ personId });
    await this.deleteEngineFaces(matchedFaces);
    const selfies = await this.em.find(Selfie, { user: user.id, personId }, { fields: ['id', 'objectKey', 'personId', 'engineFaceId'] });
    await this.forgetEngineSelfies(selfies, await this.eventsOf(user.id));
    if (selfies.length > 0) await this.deps.store.delete(selfies.map((s) => s.objectKey));
    await this.deps.records.forgetMatches({ personId }, matchedFaces.map((f) => f.faceId));
    await this.deps.records.deletePeople(user.id, personId);
    for (const eventId of new Set(matchedFaces.map((f) => f.eventId))) await this.deps.bus.publish('faces.erased', { eventId });
    this.deps.logger.info({ userId: user.id, personId, photoFaces: matchedFaces.length, selfies: selfies.length }, 'person erased');
  }

  /** The event's face engine forgets the selfie faces of the user and of everyone they added (their other events keep them). */
  private async forgetSelfieIn(userId: string, eventId: string): Promise<void> {
    const selfies = await this.em.find(Selfie, { user: userId, engineFaceId: { $ne: null } }, { fields: ['personId', 'engineFaceId'] });
    await this.forgetEngineSelfies(selfies, [eventId]);
  }

  /** The engine forgets these selfies in these events, person by person. */
  private async forgetEngineSelfies(selfies: Pick<Selfie, 'personId' | 'engineFaceId'>[], eventIds: string[]): Promise<void> {
    const byPerson = new Map<string, ParticipantFace[]>();
    for (const s of selfies) {
      if (!s.engineFaceId) continue;
      byPerson.set(s.personId, [...(byPerson.get(s.personId) ?? []), { personId: s.personId, vector: null, engineFaceId: s.engineFaceId }]);
    }
    for (const [personId, faces] of byPerson) await this.deps.faces.deleteParticipantFaces(personId, eventIds, faces);
  }

  private async eventsOf(userId: string): Promise<string[]> {
    return (await this.em.find(Participation, { user: userId }, { fields: ['event'] })).map((p) => p.event.id);
  }

  /** Deletes these photo faces from the face engine, photo by photo. */
  private async deleteEngineFaces(matched: { faceId: string; photoId: string; eventId: string; engineFaceId: string | null }[]): Promise<void> {
    const byPhoto = new Map<string, { eventId: string; faces: StoredFace[] }>();
    for (const f of matched) {
      const entry = byPhoto.get(f.photoId) ?? { eventId: f.eventId, faces: [] };
      entry.faces.push({ id: f.faceId, photoId: f.photoId, vector: null, engineFaceId: f.engineFaceId });
      byPhoto.set(f.photoId, entry);
    }
    for (const [photoId, { eventId, faces }] of byPhoto) await this.deps.faces.deletePhotoFaces(eventId, photoId, faces);
  }

  /**
   * Deletes the account and everything it owns: face data, memberships, and
   * for a photographer their events with every photo and face. Every session
   * ends at once (open sockets close with 4403).
   */
  async deleteAccount(user: User): Promise<void> {
    await this.deleteFaceData(user);
    // Events already being deleted too: their job would find no row left to start from.
    const owned = await this.em.find(Event, { owner: user.id }, { fields: ['id'], filters: { live: false } });
    for (const event of owned) await this.deleteEvent(event.id);
    // Throttling counters are keyed by email or id: personal data too. Memberships, selfies, jobs and tokens go with the row.
    await this.deps.records.deleteAccount(user.id, quotaKeys.ofAccount(user));
    this.deps.sessions?.forgetUser(user.id);
    await this.deps.bus.publish('sessions.revoked', { userId: user.id });
    this.deps.logger.info({ userId: user.id, events: owned.length }, 'account deleted');
  }

  /**
   * The photographer deletes an event: it is gone for everyone at once (no
   * query finds it), and a background job removes the engine's collection,
   * every object, the photos in batches (eventProgress subscribers watch the
   * counts fall) and finally the row with everything that hangs on it.
   */
  async requestEventDeletion(actor: User, eventId: string): Promise<string> {
    const event = await loadManagedEvent(this.em, actor, eventId);
    event.deletingAt = this.deps.clock.now();
    await this.em.flush();
    // Gone for everyone at once: open subscriptions on it end.
    await this.deps.bus.publish('access.changed', { eventId: event.id });
    await this.deps.queue.enqueue('event.delete', { eventId: event.id }, { key: `event-delete:${event.id}` });
    this.deps.logger.info({ eventId: event.id, by: actor.id }, 'event deletion requested');
    return event.id;
  }

  /** The deletion job: idempotent, so a retry after a crash finishes what the first run started. */
  async deleteMarkedEvent(eventId: string): Promise<JobOutcome> {
    const event = await this.em.findOne(Event, { id: eventId, deletingAt: { $ne: null } }, { filters: { live: false } });
    if (!event) return 'skipped';
    await this.deps.faces.deleteEventFaces(eventId);
    await this.deps.erasure.erase(eventPrefix(eventId));
    let deleted = 0;
    for (;;) {
      const batch = await this.deps.records.deletePhotosOf(eventId, 500);
      if (batch.length === 0) break;
      deleted += batch.length;
      // Progress: eventProgress recounts on each change.
      await this.deps.bus.publish('photo.deleted', { eventId, photoId: batch.at(-1)! });
    }
    await this.em.nativeDelete(Event, { id: eventId }, { filters: { live: false } });
    await this.deps.bus.publish('faces.erased', { eventId });
    this.deps.logger.info({ eventId, photos: deleted }, 'event deleted');
    return 'done';
  }

  /** Deletes an event with its photos, their files and every face, in the engine too. */
  async deleteEvent(eventId: string): Promise<void> {
    await this.deps.faces.deleteEventFaces(eventId);
    const photos = await this.em.count(Photo, { event: eventId });
    // Every object of the event lives under its prefix, including one written later through an old link.
    await this.deps.erasure.erase(eventPrefix(eventId));
    await this.em.nativeDelete(Event, { id: eventId });
    await this.deps.bus.publish('faces.erased', { eventId });
    this.deps.logger.info({ eventId, photos }, 'event deleted');
  }

  /**
   * Erases the face data of every event whose retention period has ended:
   * the engine's collection, the photo faces and with them the matches. Then
   * the selfies of guests who have no event left within retention. Photos
   * themselves stay with the photographer. Idempotent; safe to run anywhere.
   */
  async purgeExpiredFaceData(): Promise<{ events: string[]; users: number }> {
    const today = this.deps.clock.now().toISOString().slice(0, 10);
    const expired = await this.deps.records.eventsPastRetention(today);
    for (const eventId of expired) {
      await this.deps.faces.deleteEventFaces(eventId);
      await this.deps.records.eraseEventFaces(eventId, this.deps.clock.now());
      await this.deps.bus.publish('faces.erased', { eventId });
      this.deps.logger.info({ eventId }, 'face data of the event erased (retention)');
    }
    // Guests whose every event is past retention: their template has no purpose left.
    const orphans = await this.deps.records.usersWithoutLiveEvent();
    for (const userId of orphans) await this.eraseSelfies(userId);
    if (orphans.length > 0) this.deps.logger.info({ users: orphans.length }, 'selfies erased (no event left within retention)');
    return { events: expired, users: orphans.length };
  }

  /** Sign-in material nobody can use any more (expired links and tokens, ended devices), deleted. */
  async sweepExpiredCredentials(): Promise<number> {
    return this.deps.records.sweepExpiredCredentials(30);
  }

  /**
   * Engine faces of replaced selfies that could not be deleted when they were
   * replaced (the face service failed): deleted now, then forgotten. Idempotent.
   */
  async purgeReplacedSelfieFaces(): Promise<number> {
    const stale = await this.em.find(Selfie, { status: SelfieStatus.REPLACED, engineFaceId: { $ne: null } }, { fields: ['id', 'user', 'personId', 'engineFaceId'], limit: 500 });
    let purged = 0;
    for (const selfie of stale) {
      const eventIds = await this.eventsOf(selfie.user.id);
      try {
        await this.deps.faces.deleteParticipantFaces(selfie.personId, eventIds, [{ personId: selfie.personId, vector: null, engineFaceId: selfie.engineFaceId }]);
        await this.em.nativeUpdate(Selfie, { id: selfie.id }, { engineFaceId: null });
        purged += 1;
      } catch (err) {
        this.deps.logger.warn({ err, selfieId: selfie.id }, 'replaced selfie still not deleted from the face engine; next sweep retries');
      }
    }
    if (purged > 0) this.deps.logger.info({ selfies: purged }, 'engine faces of replaced selfies deleted');
    return purged;
  }

  /** Selfie objects, engine faces, templates and rematch jobs of one user and of everyone they added. */
  private async eraseSelfies(userId: string): Promise<void> {
    const selfies = await this.em.find(Selfie, { user: userId }, { fields: ['id', 'objectKey', 'personId', 'engineFaceId'] });
    if (selfies.length === 0) return;
    await this.forgetEngineSelfies(selfies, await this.eventsOf(userId));
    await this.deps.store.delete(selfies.map((s) => s.objectKey));
    await this.deps.erasure.erase(userPrefix(userId));
    await this.em.transactional(async (tx) => {
      await tx.nativeDelete(RematchJob, { user: userId });
      await tx.nativeDelete(Selfie, { user: userId });
    });
  }
}
