import type { EntityManager } from '@mikro-orm/postgresql';
import { Event, Face, User } from '../../domain/entities/index.js';
import type { PrivacyRepository } from '../../ports/repositories/privacy.repository.js';

/** A guest and everyone they look for, or one person. */
type Whose = { userId: string } | { personId: string };
const column = (who: Whose) => ('userId' in who ? 'user_id' : 'person_id');
const idOf = (who: Whose) => ('userId' in who ? who.userId : who.personId);

export class PgPrivacyRepository implements PrivacyRepository {
  constructor(private readonly em: EntityManager) {}

  async facesMatchedTo(who: Whose): Promise<{ faceId: string; photoId: string; eventId: string; engineFaceId: string | null }[]> {
    const rows = await this.em.getConnection().execute<{ id: string; photo_id: string; event_id: string; engine_face_id: string | null }[]>(
      `select distinct f.id, f.photo_id, p.event_id, f.engine_face_id
         from matches m join faces f on f.id = m.face_id join photos p on p.id = f.photo_id
        where m.${column(who)} = ?`,
      [idOf(who)],
    );
    return rows.map((r) => ({ faceId: r.id, photoId: r.photo_id, eventId: r.event_id, engineFaceId: r.engine_face_id }));
  }

  async forgetMatches(who: Whose, faceIds: string[], eventId?: string): Promise<void> {
    await this.em.transactional(async (tx) => {
      // Matches go with their faces (ON DELETE CASCADE); any left (a face shared by two users) go here.
      if (eventId) {
        await tx
          .getConnection()
          .execute(`delete from matches m using photos p where m.${column(who)} = ? and p.id = m.photo_id and p.event_id = ?`, [idOf(who), eventId], 'run', tx.getTransactionContext());
      } else {
        await tx.getConnection().execute(`delete from matches where ${column(who)} = ?`, [idOf(who)], 'run', tx.getTransactionContext());
      }
      if (faceIds.length > 0) await tx.nativeDelete(Face, { id: { $in: faceIds } });
    });
  }

  async deletePeople(userId: string, personId?: string): Promise<void> {
    await this.em.transactional(async (tx) => {
      const sql = tx.getConnection();
      const ctx = tx.getTransactionContext();
      const [where, params] = personId ? ['person_id = ? and user_id = ?', [personId, userId]] : ['person_id <> user_id and user_id = ?', [userId]];
      for (const table of ['matches', 'match_rejections', 'rematch_jobs', 'selfies']) await sql.execute(`delete from ${table} where ${where}`, params, 'run', ctx);
      await sql.execute(`delete from people where owner_id = ?${personId ? ' and id = ?' : ''}`, personId ? [userId, personId] : [userId], 'run', ctx);
    });
  }

  async sweepExpiredCredentials(keepRevokedDays: number): Promise<number> {
    const sql = this.em.getConnection();
    let deleted = 0;
    for (const statement of [
      `delete from sign_in_links where expires_at < now()`,
      `delete from password_reset_tokens where expires_at < now()`,
      `delete from auth_sessions where expires_at < now() or revoked_at < now() - make_interval(days => ${Math.floor(keepRevokedDays)})`,
      `delete from refresh_tokens where expires_at < now()`,
    ]) {
      const rows = await sql.execute<{ id: string }[]>(`${statement} returning id`);
      deleted += rows.length;
    }
    return deleted;
  }

  async stopMatching(userId: string, eventId: string): Promise<boolean> {
    const rows = await this.em
      .getConnection()
      .execute<{ id: string }[]>('update participations set face_matching = false where user_id = ? and event_id = ? returning id', [userId, eventId]);
    return rows.length > 0;
  }

  async deletePhotosOf(eventId: string, limit: number): Promise<string[]> {
    const rows = await this.em
      .getConnection()
      .execute<{ id: string }[]>(`delete from photos where id in (select id from photos where event_id = ? limit ?) returning id`, [eventId, limit]);
    return rows.map((r) => r.id);
  }

  async leaveEvent(userId: string, eventId: string): Promise<boolean> {
    return this.em.transactional(async (tx) => {
      const sql = tx.getConnection();
      const ctx = tx.getTransactionContext();
      const left = await sql.execute<{ id: string }[]>('delete from participations where user_id = ? and event_id = ? returning id', [userId, eventId], 'all', ctx);
      if (left.length === 0) return false;
      for (const table of ['matches', 'match_rejections']) {
        await sql.execute(`delete from ${table} t using photos p where t.user_id = ? and p.id = t.photo_id and p.event_id = ?`, [userId, eventId], 'run', ctx);
      }
      return true;
    });
  }

  async deleteAccount(userId: string, counterKeys: string[]): Promise<void> {
    await this.em.transactional(async (tx) => {
      if (counterKeys.length > 0) {
        await tx
          .getConnection()
          .execute(`delete from rate_limit_buckets where key in (${counterKeys.map(() => '?').join(', ')})`, counterKeys, 'run', tx.getTransactionContext());
      }
      await tx.nativeDelete(User, { id: userId });
    });
  }

  async eventsPastRetention(today: string): Promise<string[]> {
    const rows = await this.em.getConnection().execute<{ id: string }[]>(
      `select id from events
        where face_data_purged_at is null
          and greatest(date, (created_at at time zone 'UTC')::date) + face_retention_days < ?::date`,
      [today],
    );
    return rows.map((r) => r.id);
  }

  async eraseEventFaces(eventId: string, at: Date): Promise<void> {
    await this.em.transactional(async (tx) => {
      await tx.getConnection().execute('delete from faces f using photos p where p.id = f.photo_id and p.event_id = ?', [eventId], 'run', tx.getTransactionContext());
      await tx.nativeUpdate(Event, { id: eventId }, { faceDataPurgedAt: at });
    });
  }

  async usersWithoutLiveEvent(): Promise<string[]> {
    const rows = await this.em.getConnection().execute<{ user_id: string }[]>(
      `select distinct s.user_id from selfies s
        where not exists (
          select 1 from participations pa join events e on e.id = pa.event_id
           where pa.user_id = s.user_id and e.face_data_purged_at is null)`,
    );
    return rows.map((r) => r.user_id);
  }
}
