import type { EntityManager } from '@mikro-orm/postgresql';
import { MatchSource } from '../domain/entities/index.js';
import type { EventBus } from '../ports/event-bus.js';
import type { FaceEngine, FaceMatch, ParticipantFace, StoredFace } from '../ports/face-engine.js';
import { toVector } from '../domain/face-vector.js';

export interface NewMatch {
  eventId: string;
  photoId: string;
  userId: string;
}

/** Finds participants in photos and writes Match rows: one per (photo, user), keeping the best face. */
export class MatchingService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: { faces: FaceEngine; bus: EventBus },
  ) {}

  /**
   * After a photo's faces are stored: which of the event's participants (with a
   * selfie) are in it. When the engine finds a per-event batch search cheaper,
   * nothing is searched now and `deferred` asks the caller to schedule one.
   */
  async matchPhoto(eventId: string, photoId: string): Promise<{ matches: NewMatch[]; deferred: boolean }> {
    const faces = await this.photoFaces(photoId);
    const participants = faces.length === 0 ? [] : await this.participantsWithSelfie(eventId);
    if (participants.length > 0 && this.deps.faces.prefersBatchSearch(faces.length, participants.length, await this.batchSize(eventId))) {
      return { matches: [], deferred: true };
    }
    const found = participants.length === 0 ? [] : await this.deps.faces.findParticipantsInPhoto({ eventId, photoId, faces, participants });
    const matches = await this.save(this.em, eventId, found, MatchSource.INGEST);
    await this.em.getConnection().execute('update photos set participants_matched_at = now() where id = ?', [photoId]);
    return { matches, deferred: false };
  }

  /**
   * The batched search: each participant once against the event, keeping the
   * photos processed since the last search. Safe to run twice.
   */
  async matchPendingPhotos(eventId: string): Promise<NewMatch[]> {
    const pending = await this.em
      .getConnection()
      .execute<{ id: string }[]>(
        `select id from photos where event_id = ? and status = 'DONE' and participants_matched_at is null`,
        [eventId],
      );
    if (pending.length === 0) return [];
    const ids = new Set(pending.map((p) => p.id));
    const participants = await this.participantsWithSelfie(eventId);
    const faces = new Map<string, StoredFace[]>();
    for (const id of ids) faces.set(id, await this.photoFaces(id));
    const faceCount = [...faces.values()].reduce((n, f) => n + f.length, 0);
    const found: FaceMatch[] = [];
    if (participants.length <= faceCount) {
      // One search per participant covers the whole batch.
      for (const participant of participants) {
        const matches = await this.deps.faces.findParticipantInEvent({ eventId, participant });
        found.push(...matches.filter((m) => ids.has(m.photoId)));
      }
    } else {
      // The batch turned out small: searching its photos costs less.
      for (const [photoId, photoFaces] of faces) {
        if (photoFaces.length > 0) found.push(...(await this.deps.faces.findParticipantsInPhoto({ eventId, photoId, faces: photoFaces, participants })));
      }
    }
    const created = await this.save(this.em, eventId, found, MatchSource.INGEST);
    await this.em
      .getConnection()
      .execute(`update photos set participants_matched_at = now() where id in (${[...ids].map(() => '?').join(',')})`, [...ids]);
    return created;
  }

  /** Announces matches (after the photo is DONE, so subscribers can show it). */
  async announce(matches: NewMatch[]): Promise<void> {
    await Promise.all(matches.map((m) => this.deps.bus.publish('match.created', m)));
  }

  /** Upserts matches (in `em`'s transaction, if any); returns the (photo, user) pairs that are new. Faces deleted meanwhile are skipped. */
  async save(em: EntityManager, eventId: string, matches: FaceMatch[], source: MatchSource): Promise<NewMatch[]> {
    const created: NewMatch[] = [];
    for (const m of matches) {
      const rows = await em.getConnection().execute<{ inserted: boolean }[]>(
        `insert into matches (id, photo_id, user_id, face_id, similarity, source, created_at)
         select gen_random_uuid(), ?, ?, ?, ?, ?, now() where exists (select 1 from faces where id = ?)
         on conflict (photo_id, user_id) do update
           set face_id = excluded.face_id, similarity = excluded.similarity
           where excluded.similarity > matches.similarity
         returning (xmax = 0) as inserted`,
        [m.photoId, m.userId, m.faceId, m.similarity, source, m.faceId],
        'all',
        // Inside the caller's transaction, not on another pooled connection (which would wait on its locks).
        em.getTransactionContext(),
      );
      if (rows[0]?.inserted) created.push({ eventId, photoId: m.photoId, userId: m.userId });
    }
    return created;
  }

  /** Photos of the event in flight or waiting for the batched search (this one included). */
  private async batchSize(eventId: string): Promise<number> {
    const rows = await this.em.getConnection().execute<{ n: number }[]>(
      `select count(*)::int as n from photos where event_id = ?
         and (status in ('UPLOADED', 'PROCESSING') or (status = 'DONE' and participants_matched_at is null))`,
      [eventId],
    );
    return rows[0]?.n ?? 1;
  }

  private async photoFaces(photoId: string): Promise<StoredFace[]> {
    const rows = await this.em
      .getConnection()
      .execute<{ id: string; vector: Buffer | null; engine_face_id: string | null }[]>(
        'select id, vector, engine_face_id from faces where photo_id = ? order by face_index',
        [photoId],
      );
    return rows.map((r) => ({ id: r.id, photoId, vector: toVector(r.vector), engineFaceId: r.engine_face_id }));
  }

  /** Participants of the event who consented and have an active selfie. */
  private async participantsWithSelfie(eventId: string): Promise<ParticipantFace[]> {
    const rows = await this.em.getConnection().execute<{ user_id: string; vector: Buffer | null; engine_face_id: string | null }[]>(
      `select s.user_id, s.vector, s.engine_face_id
         from participations p join selfies s on s.user_id = p.user_id and s.status = 'ACTIVE'
        where p.event_id = ?`,
      [eventId],
    );
    return rows.map((r) => ({ userId: r.user_id, vector: toVector(r.vector), engineFaceId: r.engine_face_id }));
  }
}
