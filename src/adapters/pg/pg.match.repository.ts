import type { EntityManager } from '@mikro-orm/postgresql';
import type { MatchSource } from '../../domain/entities/index.js';
import { toVector } from '../../domain/face-vector.js';
import type { FaceMatch, ParticipantFace, StoredFace } from '../../ports/face-engine.js';
import type { MatchRepository } from '../../ports/repositories/match.repository.js';

/** Matching's queries, on `em` (and inside its transaction, when it has one). */
export class PgMatchRepository implements MatchRepository {
  constructor(private readonly em: EntityManager) {}

  async photoFaces(photoId: string): Promise<StoredFace[]> {
    const rows = await this.em.getConnection().execute<{ id: string; vector: Buffer | null; engine_face_id: string | null }[]>(
      'select id, vector, engine_face_id from faces where photo_id = ? order by face_index',
      [photoId],
    );
    return rows.map((r) => ({ id: r.id, photoId, vector: toVector(r.vector), engineFaceId: r.engine_face_id }));
  }

  async participantsWithSelfie(eventId: string, userId?: string): Promise<ParticipantFace[]> {
    const rows = await this.em.getConnection().execute<{ user_id: string; vector: Buffer | null; engine_face_id: string | null }[]>(
      `select s.user_id, s.vector, s.engine_face_id
         from participations p join selfies s on s.user_id = p.user_id and s.status = 'ACTIVE'
        where p.event_id = ? and p.face_matching and p.status = 'APPROVED'${userId ? ' and p.user_id = ?' : ''}`,
      userId ? [eventId, userId] : [eventId],
    );
    const participants = rows.map((r): ParticipantFace => ({ userId: r.user_id, vector: toVector(r.vector), engineFaceId: r.engine_face_id, references: [], rejectedPhotoIds: [] }));
    if (participants.every((p) => !p.vector)) return participants;
    const byUser = new Map(participants.map((p) => [p.userId, p]));
    // Their matched faces (rejected photos lose their match) and their "not me" photos, for engines that compare vectors.
    const faces = await this.em.getConnection().execute<{ user_id: string; face_id: string; vector: Buffer }[]>(
      `select m.user_id, f.id as face_id, f.vector
         from matches m join faces f on f.id = m.face_id join photos ph on ph.id = m.photo_id
        where ph.event_id = ? and f.vector is not null${userId ? ' and m.user_id = ?' : ''}`,
      userId ? [eventId, userId] : [eventId],
    );
    for (const f of faces) {
      const vector = toVector(f.vector);
      if (vector) byUser.get(f.user_id)?.references!.push({ faceId: f.face_id, vector });
    }
    const rejected = await this.em.getConnection().execute<{ user_id: string; photo_id: string }[]>(
      `select r.user_id, r.photo_id from match_rejections r join photos ph on ph.id = r.photo_id where ph.event_id = ?`,
      [eventId],
    );
    for (const r of rejected) byUser.get(r.user_id)?.rejectedPhotoIds!.push(r.photo_id);
    return participants;
  }

  async rejectedPhotoIds(userId: string, eventId: string): Promise<string[]> {
    const rows = await this.em.getConnection().execute<{ photo_id: string }[]>(
      `select r.photo_id from match_rejections r join photos ph on ph.id = r.photo_id where r.user_id = ? and ph.event_id = ?`,
      [userId, eventId],
    );
    return rows.map((r) => r.photo_id);
  }

  async photosAwaitingSearch(eventId: string): Promise<string[]> {
    const rows = await this.em.getConnection().execute<{ id: string }[]>(
      `select id from photos where event_id = ? and status = 'DONE' and participants_matched_at is null`,
      [eventId],
    );
    return rows.map((r) => r.id);
  }

  async batchSize(eventId: string): Promise<number> {
    const rows = await this.em.getConnection().execute<{ n: number }[]>(
      `select count(*)::int as n from photos where event_id = ?
         and (status in ('UPLOADED', 'PROCESSING') or (status = 'DONE' and participants_matched_at is null))`,
      [eventId],
    );
    return rows[0]?.n ?? 1;
  }

  async markSearched(photoIds: string[]): Promise<void> {
    if (photoIds.length === 0) return;
    await this.em.getConnection().execute(`update photos set participants_matched_at = now() where id in (${photoIds.map(() => '?').join(',')})`, photoIds);
  }

  async donePhotosPerLiveEvent(userId: string): Promise<{ eventId: string; count: number; matchThreshold: number | null }[]> {
    const rows = await this.em.getConnection().execute<{ event_id: string; n: number; match_threshold: number | null }[]>(
      `select p.event_id, e.match_threshold, count(ph.id)::int as n from participations p
         join events e on e.id = p.event_id and e.face_data_purged_at is null and e.deleting_at is null
         left join photos ph on ph.event_id = p.event_id and ph.status = 'DONE'
        where p.user_id = ? and p.face_matching and p.status = 'APPROVED' group by p.event_id, e.match_threshold`,
      [userId],
    );
    return rows.map((r) => ({ eventId: r.event_id, count: r.n, matchThreshold: r.match_threshold }));
  }

  async matchThreshold(eventId: string): Promise<number | null> {
    const rows = await this.em.getConnection().execute<{ match_threshold: number | null }[]>('select match_threshold from events where id = ?', [eventId]);
    return rows[0]?.match_threshold ?? null;
  }

  async matchedPhotoCount(userId: string): Promise<number> {
    const [row] = await this.em.getConnection().execute<{ n: number }[]>(
      `select count(*)::int as n from matches m join photos p on p.id = m.photo_id
         join participations pa on pa.user_id = m.user_id and pa.event_id = p.event_id and pa.status = 'APPROVED'
        where m.user_id = ? and p.status = 'DONE'`,
      [userId],
    );
    return row?.n ?? 0;
  }

  async upsertBest(m: FaceMatch, source: MatchSource): Promise<boolean> {
    const rows = await this.em.getConnection().execute<{ inserted: boolean }[]>(
      `insert into matches (id, photo_id, user_id, face_id, similarity, source, created_at)
       select gen_random_uuid(), ?, ?, ?, ?, ?, now() where exists (select 1 from faces where id = ?)
          and not exists (select 1 from match_rejections r where r.photo_id = ? and r.user_id = ?)
       on conflict (photo_id, user_id) do update
         set face_id = excluded.face_id, similarity = excluded.similarity
         where excluded.similarity > matches.similarity
       returning (xmax = 0) as inserted`,
      [m.photoId, m.userId, m.faceId, m.similarity, source, m.faceId, m.photoId, m.userId],
      'all',
      // Inside the caller's transaction, not on another pooled connection (which would wait on its locks).
      this.em.getTransactionContext(),
    );
    return Boolean(rows[0]?.inserted);
  }
}
