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
