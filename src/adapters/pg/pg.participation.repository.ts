import type { EntityManager } from '@mikro-orm/postgresql';
import type { ParticipantStatus } from '../../domain/entities/index.js';
import type { ParticipantSummary, ParticipationRepository } from '../../ports/repositories/participation.repository.js';

type Row = { id: string; display_name: string; has_selfie: boolean; matched: number; total: number };

export class PgParticipationRepository implements ParticipationRepository {
  constructor(private readonly em: EntityManager) {}

  async joinOnce(input: { userId: string; eventId: string; at: Date; consentVersion: string; status: ParticipantStatus }): Promise<void> {
    await this.em.getConnection().execute(
      `insert into participations (id, user_id, event_id, joined_at, consented_at, consent_version, status)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?) on conflict (user_id, event_id) do nothing`,
      [input.userId, input.eventId, input.at, input.at, input.consentVersion, input.status],
    );
  }

  async page(eventId: string, limit: number, before?: { at: Date; id: string }): Promise<{ rows: ParticipantSummary[]; total: number }> {
    const rows = await this.rows(eventId, `${before ? 'and (pa.joined_at, pa.id) < (?, ?)' : ''} order by pa.joined_at desc, pa.id desc limit ?`, [
      ...(before ? [before.at, before.id] : []),
      limit,
    ]);
    const total =
      rows[0]?.total ??
      Number((await this.em.getConnection().execute<{ n: number }[]>('select count(*)::int as n from participations where event_id = ?', [eventId]))[0]?.n ?? 0);
    return { rows: rows.map(summary), total };
  }

  async one(eventId: string, participationId: string): Promise<ParticipantSummary | null> {
    const [row] = await this.rows(eventId, 'and pa.id = ?', [participationId]);
    return row ? summary(row) : null;
  }

  async newPhotoEmails(userId: string, eventId: string): Promise<{ lastDigestAt: Date | null } | null> {
    const [row] = await this.em
      .getConnection()
      .execute<{ last_digest_at: Date | null }[]>(
        `select last_digest_at from participations where user_id = ? and event_id = ? and new_photo_emails and status = 'APPROVED'`,
        [userId, eventId],
      );
    // Raw rows carry timestamps as text.
    return row ? { lastDigestAt: row.last_digest_at === null ? null : new Date(row.last_digest_at) } : null;
  }

  async claimDigest(userId: string, eventId: string, intervalSeconds: number) {
    return this.em.transactional(async (tx) => {
      const sql = tx.getConnection();
      const ctx = tx.getTransactionContext();
      const [state] = await sql.execute<
        { id: string; since: Date | null; last: Date | null; wait: number; email: string; display_name: string; event_name: string; event_code: string }[]
      >(
        `select pa.id, pa.new_photos_since as since, pa.last_digest_at as last,
                greatest(0, ceil(extract(epoch from pa.last_digest_at + make_interval(secs => ?) - now())))::int as wait,
                u.email, u.display_name, e.name as event_name, e.code as event_code
           from participations pa join users u on u.id = pa.user_id join events e on e.id = pa.event_id and e.deleting_at is null
          where pa.user_id = ? and pa.event_id = ? and pa.new_photo_emails and pa.status = 'APPROVED' and u.active
          for update of pa`,
        [intervalSeconds, userId, eventId],
        'all',
        ctx,
      );
      if (!state) return { kind: 'none' as const };
      if (state.last && state.wait > 0) return { kind: 'wait' as const, seconds: state.wait };
      // New photos in all, and per person looked for (the guest first, then the people they added).
      const counts = await sql.execute<{ photos: number; person: string | null; n: number }[]>(
        `with news as (
           select m.photo_id, m.person_id from matches m join photos p on p.id = m.photo_id
            where m.user_id = ? and p.event_id = ? and p.status = 'DONE' and m.created_at > coalesce(?::timestamptz, '-infinity'))
         select (select count(distinct photo_id) from news)::int as photos, pp.name as person, count(*)::int as n
           from news left join people pp on pp.id = news.person_id
          group by news.person_id, pp.name order by pp.name is not null, pp.name`,
        [userId, eventId, state.since],
        'all',
        ctx,
      );
      const newPhotos = counts[0]?.photos ?? 0;
      if (newPhotos === 0) return { kind: 'none' as const };
      await sql.execute(`update participations set new_photos_since = now(), last_digest_at = now() where id = ?`, [state.id], 'run', ctx);
      return {
        kind: 'send' as const,
        email: state.email,
        displayName: state.display_name,
        eventName: state.event_name,
        eventCode: state.event_code,
        participationId: state.id,
        newPhotos,
        byPerson: counts.map((c) => ({ name: c.person, photos: c.n })),
        previous: { since: state.since === null ? null : new Date(state.since), last: state.last === null ? null : new Date(state.last) },
      };
    });
  }

  async releaseDigest(participationId: string, previous: { since: Date | null; last: Date | null }): Promise<void> {
    await this.em
      .getConnection()
      .execute(`update participations set new_photos_since = ?, last_digest_at = ? where id = ?`, [previous.since, previous.last, participationId], 'run');
  }

  /** Guests with their selfie state and matched photo count, in one statement. */
  private rows(eventId: string, tail: string, params: unknown[]): Promise<Row[]> {
    return this.em.getConnection().execute<Row[]>(
      `select pa.id, u.display_name,
              exists (select 1 from selfies s where s.user_id = pa.user_id and s.status = 'ACTIVE') as has_selfie,
              (select count(*)::int from matches m join photos p on p.id = m.photo_id where m.user_id = pa.user_id and p.event_id = pa.event_id) as matched,
              (select count(*)::int from participations c where c.event_id = pa.event_id) as total
         from participations pa join users u on u.id = pa.user_id
        where pa.event_id = ? ${tail}`,
      [eventId, ...params] as never[],
    );
  }
}

function summary(r: Row): ParticipantSummary {
  return { participationId: r.id, displayName: r.display_name, hasSelfie: r.has_selfie, matchedPhotoCount: r.matched };
}
