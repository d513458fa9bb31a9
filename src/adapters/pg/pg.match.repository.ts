import type { EntityManager } from '@mikro-orm/postgresql';
import type { MatchSource } from '../../domain/entities/index.js';
import { toVector } from '../../domain/face-vector.js';
import type { FaceMatch, ParticipantFace, StoredFace } from '../../ports/face-engine.js';
import type { MatchRepository } from '../../ports/repositories/match.repository.js';

/**
 * The guest who looks for a person (two parameters, both the person's id): the
 * owner of a person they added, or the guest themself, whose person id is their user id.
 */
const OWNER_OF_PERSON = 'coalesce((select owner_id from people where id = ?), ?)';

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

  async participantsWithSelfie(eventId: string, only?: { userId: string } | { personId: string }): Promise<ParticipantFace[]> {
    // One entry per active selfie: a person with three selfies is searched with each.
    const [column, id] = only ? ('userId' in only ? ['s.user_id', only.userId] : ['s.person_id', only.personId]) : [null, null];
    const rows = await this.em.getConnection().execute<{ person_id: string; vector: Buffer | null; engine_face_id: string | null }[]>(
      `select s.person_id, s.vector, s.engine_face_id
         from participations p join selfies s on s.user_id = p.user_id and s.status = 'ACTIVE'
        where p.event_id = ? and p.face_matching and p.status = 'APPROVED'${column ? ` and ${column} = ?` : ''}
        order by s.person_id, s.created_at`,
      column ? [eventId, id] : [eventId],
    );
    const participants = rows.map((r): ParticipantFace => ({ personId: r.person_id, vector: toVector(r.vector), engineFaceId: r.engine_face_id, references: [], rejectedPhotoIds: [] }));
    if (participants.every((p) => !p.vector)) return participants;
    const byPerson = new Map<string, ParticipantFace[]>();
    for (const p of participants) byPerson.set(p.personId, [...(byPerson.get(p.personId) ?? []), p]);
    const filter = column ? ` and ${column.replace('s.', 'm.')} = ?` : '';
    // Their matched faces (rejected photos lose their match; claimed ones are marked) and their "not me" photos, for engines that compare vectors.
    const faces = await this.em.getConnection().execute<{ person_id: string; face_id: string; vector: Buffer; source: string }[]>(
      `select m.person_id, f.id as face_id, f.vector, m.source
         from matches m join faces f on f.id = m.face_id join photos ph on ph.id = m.photo_id
        where ph.event_id = ? and f.vector is not null${filter}`,
      column ? [eventId, id] : [eventId],
    );
    for (const f of faces) {
      const vector = toVector(f.vector);
      if (!vector) continue;
      for (const p of byPerson.get(f.person_id) ?? []) p.references!.push({ faceId: f.face_id, vector, ...(f.source === 'CLAIM' ? { claimed: true } : {}) });
    }
    const rejected = await this.em.getConnection().execute<{ person_id: string; photo_id: string }[]>(
      `select r.person_id, r.photo_id from match_rejections r join photos ph on ph.id = r.photo_id where ph.event_id = ?`,
      [eventId],
    );
    for (const r of rejected) for (const p of byPerson.get(r.person_id) ?? []) p.rejectedPhotoIds!.push(r.photo_id);
    return participants;
  }

  async personReferences(personId: string, eventId: string): Promise<{ faceId: string; vector: Float32Array; claimed: boolean }[]> {
    const rows = await this.em.getConnection().execute<{ face_id: string; vector: Buffer; source: string }[]>(
      `select f.id as face_id, f.vector, m.source from matches m join faces f on f.id = m.face_id join photos ph on ph.id = m.photo_id
        where m.person_id = ? and ph.event_id = ? and f.vector is not null`,
      [personId, eventId],
    );
    return rows.flatMap((r) => {
      const vector = toVector(r.vector);
      return vector ? [{ faceId: r.face_id, vector, claimed: r.source === 'CLAIM' }] : [];
    });
  }

  async rejectedPhotoIds(personId: string, eventId: string): Promise<string[]> {
    const rows = await this.em.getConnection().execute<{ photo_id: string }[]>(
      `select r.photo_id from match_rejections r join photos ph on ph.id = r.photo_id where r.person_id = ? and ph.event_id = ?`,
      [personId, eventId],
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

  async matchedPhotoCount(personId: string): Promise<number> {
    const [row] = await this.em.getConnection().execute<{ n: number }[]>(
      `select count(*)::int as n from matches m join photos p on p.id = m.photo_id
         join participations pa on pa.user_id = m.user_id and pa.event_id = p.event_id and pa.status = 'APPROVED'
        where m.person_id = ? and p.status = 'DONE'`,
      [personId],
    );
    return row?.n ?? 0;
  }

  async claim(m: { personId: string; photoId: string; faceId: string; similarity: number }): Promise<boolean> {
    return this.em.transactional(async (tx) => {
      const sql = tx.getConnection();
      const ctx = tx.getTransactionContext();
      // A claim undoes an earlier "not me" of the same person on this photo.
      await sql.execute('delete from match_rejections where person_id = ? and photo_id = ?', [m.personId, m.photoId], 'run', ctx);
      // A face is one person: another of the same guest's people matched to it loses it.
      await sql.execute(
        `delete from matches where face_id = ? and person_id <> ? and user_id = ${OWNER_OF_PERSON}`,
        [m.faceId, m.personId, m.personId, m.personId],
        'run',
        ctx,
      );
      const rows = await sql.execute<{ inserted: boolean }[]>(
        `insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at)
         values (gen_random_uuid(), ?, ${OWNER_OF_PERSON}, ?, ?, ?, 'CLAIM', now())
         on conflict (photo_id, person_id) do update set face_id = excluded.face_id, similarity = excluded.similarity, source = 'CLAIM'
         returning (xmax = 0) as inserted`,
        [m.photoId, m.personId, m.personId, m.personId, m.faceId, m.similarity],
        'all',
        ctx,
      );
      return Boolean(rows[0]?.inserted);
    });
  }

  async upsertBest(m: FaceMatch, source: MatchSource): Promise<{ userId: string } | null> {
    // The match belongs to the guest who looks for the person: the person's owner, or the guest themself.
    // A claimed face ("this is me") stays: a search never moves it to another face.
    const rows = await this.em.getConnection().execute<{ inserted: boolean; user_id: string }[]>(
      `insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at)
       select gen_random_uuid(), ?, ${OWNER_OF_PERSON}, ?, ?, ?, ?, now()
        where exists (select 1 from faces where id = ?)
          and not exists (select 1 from match_rejections r where r.photo_id = ? and r.person_id = ?)
       on conflict (photo_id, person_id) do update
         set face_id = excluded.face_id, similarity = excluded.similarity
         where excluded.similarity > matches.similarity and matches.source <> 'CLAIM'
       returning (xmax = 0) as inserted, user_id`,
      [m.photoId, m.personId, m.personId, m.personId, m.faceId, m.similarity, source, m.faceId, m.photoId, m.personId],
      'all',
      // Inside the caller's transaction, not on another pooled connection (which would wait on its locks).
      this.em.getTransactionContext(),
    );
    const row = rows[0];
    return row?.inserted ? { userId: row.user_id } : null;
  }
}
