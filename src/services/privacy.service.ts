import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Event, Face, Participation, Photo, RematchJob, Selfie, SelfieStatus, User } from '../domain/entities/index.js';
import type { Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { FaceEngine, StoredFace } from '../ports/face-engine.js';
import type { ObjectStore } from '../ports/object-store.js';
import { eventPrefix, userPrefix } from '../domain/object-keys.js';
import type { ObjectErasure } from './object-erasure.js';
import type { SessionCache } from './session-cache.js';
import { quotaKeys } from './throttle.js';

/**
 * Forgetting: a guest's face data on request (GDPR art. 9 withdrawal of
 * consent), whole accounts, and every event's face data once its retention
 * period is over. The face engine and the object store are cleaned before the
 * rows that point at what they hold, so a failure half-way can be retried.
 */
export class PrivacyService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: { store: ObjectStore; erasure: ObjectErasure; faces: FaceEngine; bus: EventBus; clock: Clock; logger: Logger; sessions?: SessionCache },
  ) {}

  /**
   * Deletes the user's selfies (objects and templates), their faces in the
   * engine, their matches and the photo faces they were matched to. They stay
   * a member of their events and may send a new selfie later.
   */
  async deleteFaceData(user: User): Promise<void> {
    const userId = user.id;
    const matchedFaces = await this.em.getConnection().execute<{ id: string; photo_id: string; event_id: string; engine_face_id: string | null }[]>(
      `select distinct f.id, f.photo_id, p.event_id, f.engine_face_id
         from matches m join faces f on f.id = m.face_id join photos p on p.id = f.photo_id
        where m.user_id = ?`,
      [userId],
    );
    const byPhoto = new Map<string, { eventId: string; faces: StoredFace[] }>();
    for (const f of matchedFaces) {
      const entry = byPhoto.get(f.photo_id) ?? { eventId: f.event_id, faces: [] };
      entry.faces.push({ id: f.id, photoId: f.photo_id, vector: null, engineFaceId: f.engine_face_id });
      byPhoto.set(f.photo_id, entry);
    }
    for (const [photoId, { eventId, faces }] of byPhoto) await this.deps.faces.deletePhotoFaces(eventId, photoId, faces);
    await this.eraseSelfies(userId);
    await this.em.transactional(async (tx) => {
      // Matches go with their faces (ON DELETE CASCADE); any left (a face shared by two users) go here.
      await tx.getConnection().execute('delete from matches where user_id = ?', [userId], 'run', tx.getTransactionContext());
      if (matchedFaces.length > 0) await tx.nativeDelete(Face, { id: { $in: matchedFaces.map((f) => f.id) } });
    });
    for (const eventId of new Set(matchedFaces.map((f) => f.event_id))) await this.deps.bus.publish('faces.erased', { eventId });
    this.deps.logger.info({ userId, photoFaces: matchedFaces.length }, 'face data deleted');
  }

  /**
   * Deletes the account and everything it owns: face data, memberships, and
   * for a photographer their events with every photo and face. Every session
   * ends at once (open sockets close with 4403).
   */
  async deleteAccount(user: User): Promise<void> {
    await this.deleteFaceData(user);
    const owned = await this.em.find(Event, { owner: user.id }, { fields: ['id'] });
    for (const event of owned) await this.deleteEvent(event.id);
    await this.em.transactional(async (tx) => {
      const connection = tx.getConnection();
      const ctx = tx.getTransactionContext();
      // Throttling counters are keyed by email or id: personal data too.
      const keys = quotaKeys.ofAccount(user);
      await connection.execute(`delete from rate_limit_buckets where key in (${keys.map(() => '?').join(', ')})`, keys, 'run', ctx);
      // Participations, selfies, jobs and reset tokens go with the row (ON DELETE CASCADE).
      await tx.nativeDelete(User, { id: user.id });
    });
    this.deps.sessions?.forgetUser(user.id);
    await this.deps.bus.publish('sessions.revoked', { userId: user.id });
    this.deps.logger.info({ userId: user.id, events: owned.length }, 'account deleted');
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
    const expired = await this.em.getConnection().execute<{ id: string }[]>(
      `select id from events
        where face_data_purged_at is null
          and greatest(date, (created_at at time zone 'UTC')::date) + face_retention_days < ?::date`,
      [today],
    );
    for (const { id: eventId } of expired) {
      await this.deps.faces.deleteEventFaces(eventId);
      await this.em.transactional(async (tx) => {
        await tx.getConnection().execute(
          'delete from faces f using photos p where p.id = f.photo_id and p.event_id = ?',
          [eventId],
          'run',
          tx.getTransactionContext(),
        );
        await tx.nativeUpdate(Event, { id: eventId }, { faceDataPurgedAt: this.deps.clock.now() });
      });
      await this.deps.bus.publish('faces.erased', { eventId });
      this.deps.logger.info({ eventId }, 'face data of the event erased (retention)');
    }
    // Guests whose every event is past retention: their template has no purpose left.
    const orphans = await this.em.getConnection().execute<{ user_id: string }[]>(
      `select distinct s.user_id from selfies s
        where not exists (
          select 1 from participations pa join events e on e.id = pa.event_id
           where pa.user_id = s.user_id and e.face_data_purged_at is null)`,
    );
    for (const { user_id: userId } of orphans) await this.eraseSelfies(userId);
    if (orphans.length > 0) this.deps.logger.info({ users: orphans.length }, 'selfies erased (no event left within retention)');
    return { events: expired.map((e) => e.id), users: orphans.length };
  }

  /**
   * Engine faces of replaced selfies that could not be deleted when they were
   * replaced (the face service failed): deleted now, then forgotten. Idempotent.
   */
  async purgeReplacedSelfieFaces(): Promise<number> {
    const stale = await this.em.find(Selfie, { status: SelfieStatus.REPLACED, engineFaceId: { $ne: null } }, { fields: ['id', 'user', 'engineFaceId'], limit: 500 });
    let purged = 0;
    for (const selfie of stale) {
      const userId = selfie.user.id;
      const eventIds = (await this.em.find(Participation, { user: userId }, { fields: ['event'] })).map((p) => p.event.id);
      try {
        await this.deps.faces.deleteParticipantFaces(userId, eventIds, [{ userId, vector: null, engineFaceId: selfie.engineFaceId }]);
        await this.em.nativeUpdate(Selfie, { id: selfie.id }, { engineFaceId: null });
        purged += 1;
      } catch (err) {
        this.deps.logger.warn({ err, selfieId: selfie.id }, 'replaced selfie still not deleted from the face engine; next sweep retries');
      }
    }
    if (purged > 0) this.deps.logger.info({ selfies: purged }, 'engine faces of replaced selfies deleted');
    return purged;
  }

  /** Selfie objects, engine faces, templates and rematch jobs of one user. */
  private async eraseSelfies(userId: string): Promise<void> {
    const selfies = await this.em.find(Selfie, { user: userId }, { fields: ['id', 'objectKey', 'engineFaceId'] });
    if (selfies.length === 0) return;
    const eventIds = (await this.em.find(Participation, { user: userId }, { fields: ['event'] })).map((p) => p.event.id);
    await this.deps.faces.deleteParticipantFaces(
      userId,
      eventIds,
      selfies.filter((s) => s.engineFaceId).map((s) => ({ userId, vector: null, engineFaceId: s.engineFaceId })),
    );
    await this.deps.store.delete(selfies.map((s) => s.objectKey));
    await this.deps.erasure.erase(userPrefix(userId));
    await this.em.transactional(async (tx) => {
      await tx.nativeDelete(RematchJob, { user: userId });
      await tx.nativeDelete(Selfie, { user: userId });
    });
  }
}
