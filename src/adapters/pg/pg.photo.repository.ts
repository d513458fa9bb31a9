import type { EntityManager } from '@mikro-orm/postgresql';
import type { PhotoStatus } from '../../domain/entities/index.js';
import { isUuid } from '../../services/validation.js';
import type { ArchiveQuery, ArchiveRow, EventCoverage, GalleryQuery, GalleryRow, MovedPhoto, PhotoFaceView, PhotoRepository, StatusColumns } from '../../ports/repositories/photo.repository.js';

const STATUS_COLUMNS: [keyof StatusColumns, string][] = [
  ['errorCode', 'error_code'],
  ['errorMessage', 'error_message'],
  ['attempts', 'attempts'],
  ['processedAt', 'processed_at'],
  ['workerId', 'worker_id'],
];

export class PgPhotoRepository implements PhotoRepository {
  constructor(private readonly em: () => EntityManager) {}

  async moveStatus(ids: string[], from: readonly PhotoStatus[], to: PhotoStatus, set: StatusColumns = {}): Promise<MovedPhoto[]> {
    if (ids.length === 0) return [];
    const columns = STATUS_COLUMNS.filter(([key]) => set[key] !== undefined);
    const rows = await this.em().getConnection().execute<{ id: string; event_id: string; previous: PhotoStatus }[]>(
      `update photos p set status = ?, updated_at = now() ${columns.map(([, column]) => `, ${column} = ?`).join('')}
       from (select id, status as previous from photos where id in (${ids.map(() => '?').join(',')}) and status in (${from.map(() => '?').join(',')}) for update) old
       where p.id = old.id
       returning p.id, p.event_id, old.previous`,
      [to, ...columns.map(([key]) => set[key]), ...ids, ...from] as never[],
    );
    return rows.map((r) => ({ id: r.id, eventId: r.event_id, previous: r.previous }));
  }

  async countByStatus(eventId: string): Promise<Partial<Record<PhotoStatus, number>>> {
    const rows = await this.em().getConnection().execute<{ status: PhotoStatus; n: number }[]>(
      'select status, count(*)::int as n from photos where event_id = ? group by status',
      [eventId],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async queueAhead(eventId: string): Promise<number> {
    const [row] = await this.em().getConnection().execute<{ n: number }[]>(
      `with last as (select max(created_at) as at from photos where event_id = ? and status in ('UPLOADED', 'PROCESSING'))
       select count(*)::int as n from photos, last where last.at is not null and photos.status in ('UPLOADED', 'PROCESSING') and photos.created_at <= last.at`,
      [eventId],
    );
    return row?.n ?? 0;
  }

  async finishedLately(now: Date, windowSeconds: number): Promise<{ count: number; spanSeconds: number }> {
    const [row] = await this.em().getConnection().execute<{ n: number; span: number | null }[]>(
      `select count(*)::int as n, extract(epoch from (?::timestamptz - min(processed_at)))::float8 as span
         from photos where processed_at > ?::timestamptz - make_interval(secs => ?) and processed_at <= ?::timestamptz`,
      [now, now, windowSeconds, now],
    );
    return { count: row?.n ?? 0, spanSeconds: Math.max(0, row?.span ?? 0) };
  }

  async galleryPage(input: GalleryQuery) {
    type Row = Record<string, unknown> & {
      ev_owner_id: string;
      ev_name: string;
      ev_membership: string | null;
      total: number;
      id: string | null;
      m_similarity: number | null;
      f_left: number;
      f_top: number;
      f_width: number;
      f_height: number;
    };
    const { userId, eventId, before } = input;
    // The guest's matches (by index) plus the photos shown to everyone: never a scan of the whole event.
    // Two fixed texts (first page, later pages) run as named prepared statements: planned once per connection.
    const together = input.together && input.personIds.length > 1;
    const name = `findme_gallery_${before ? 'after' : 'first'}${together ? '_together' : ''}`;
    const values = [userId, eventId, userId, input.isAdmin, userId, ...(before ? [before.at, before.id] : []), input.limit, userId, input.personIds, input.general];
    const rows = await this.prepared<Row>(name, GALLERY[name]!, values);
    const head = rows[0];
    if (!head) return { access: null, total: 0, rows: [] };
    return {
      access: { ownerId: head.ev_owner_id, eventName: head.ev_name, membership: head.ev_membership },
      total: head.total,
      rows: rows
        .filter((r) => r.id !== null)
        .map(({ ev_owner_id: _o, ev_name: _n, ev_membership: _m, total: _t, m_similarity, f_left, f_top, f_width, f_height, ...columns }): GalleryRow => ({
          columns: columns as GalleryRow['columns'],
          match: m_similarity === null ? null : { similarity: m_similarity, box: { left: f_left, top: f_top, width: f_width, height: f_height } },
        })),
    };
  }

  /** Runs a named prepared statement on a pooled connection (PostgreSQL plans it once per connection). */
  private async prepared<R>(name: string, text: string, values: unknown[]): Promise<R[]> {
    const client = this.em().getConnection().getKnex().client as { acquireConnection(): Promise<PgClient>; releaseConnection(c: PgClient): Promise<void> };
    const connection = await client.acquireConnection();
    try {
      return (await connection.query({ name, text, values })).rows as R[];
    } finally {
      await client.releaseConnection(connection);
    }
  }

  async matchesIn(userId: string, photoIds: readonly string[]): Promise<Map<string, GalleryRow['match']>> {
    if (photoIds.length === 0) return new Map();
    const rows = await this.em().getConnection().execute<
      { photo_id: string; similarity: number; box_left: number; box_top: number; box_width: number; box_height: number }[]
    >(
      `select m.photo_id, m.similarity, f.box_left, f.box_top, f.box_width, f.box_height
         from matches m join faces f on f.id = m.face_id
        where m.person_id = ? and m.photo_id in (${photoIds.map(() => '?').join(',')})`,
      [userId, ...photoIds],
    );
    return new Map(rows.map((r) => [r.photo_id, { similarity: r.similarity, box: { left: r.box_left, top: r.box_top, width: r.box_width, height: r.box_height } }]));
  }

  async claimStale(staleAfterSeconds: number, limit: number): Promise<string[]> {
    const rows = await this.em().getConnection().execute<{ id: string }[]>(
      `update photos set updated_at = now()
        where id in (select id from photos where status in ('UPLOADED', 'PROCESSING')
                        and updated_at < now() - make_interval(secs => ?) limit ? for update skip locked)
        returning id`,
      [staleAfterSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  async heldBySilentWorkers(silentAfterSeconds: number, limit: number): Promise<{ id: string; workerId: string }[]> {
    const rows = await this.em().getConnection().execute<{ id: string; worker_id: string }[]>(
      `select p.id, p.worker_id from photos p
        where p.status = 'PROCESSING' and p.worker_id is not null
          and not exists (select 1 from worker_heartbeats h where h.id = p.worker_id and h.last_seen_at > now() - make_interval(secs => ?))
        limit ?`,
      [silentAfterSeconds, limit],
    );
    return rows.map((r) => ({ id: r.id, workerId: r.worker_id }));
  }

  async archiveRows(input: ArchiveQuery & { limit: number; after?: string }): Promise<ArchiveRow[]> {
    const { sql, params } = archiveSelection(input);
    const after = input.after ? JSON.parse(input.after) as [string, string] : null;
    const rows = await this.em().getConnection().execute<
      { id: string; created_key: string; original_filename: string; content_type: string; original_key: string; display_key: string | null; guest_original_key: string | null }[]
    >(
      `select a.*, a.created_at::text as created_key from (${sql}) a ${after ? 'where (a.created_at, a.id) > (?::timestamptz, ?::uuid)' : ''} order by a.created_at, a.id limit ?`,
      [...params, ...(after ?? []), input.limit],
    );
    return rows.map((r) => ({
      id: r.id,
      cursor: JSON.stringify([r.created_key, r.id]),
      originalFilename: r.original_filename,
      contentType: r.content_type,
      originalKey: r.original_key,
      displayKey: r.display_key,
      guestOriginalKey: r.guest_original_key,
    }));
  }

  async archiveCount(input: ArchiveQuery): Promise<number> {
    const { sql, params } = archiveSelection(input);
    const [row] = await this.em().getConnection().execute<{ n: number }[]>(`select count(*)::int as n from (${sql}) a`, params);
    return row?.n ?? 0;
  }

  async rejectMatch(userId: string, personId: string, photoId: string): Promise<void> {
    await this.em().transactional(async (em) => {
      const sql = em.getConnection();
      const tx = em.getTransactionContext();
      await sql.execute(
        `insert into match_rejections (id, user_id, person_id, photo_id, created_at) values (gen_random_uuid(), ?, ?, ?, now()) on conflict (person_id, photo_id) do nothing`,
        [userId, personId, photoId],
        'run',
        tx,
      );
      await sql.execute(`delete from matches where user_id = ? and person_id = ? and photo_id = ?`, [userId, personId, photoId], 'run', tx);
    });
  }

  async facesWithPeople(userId: string, photoIds: readonly string[]): Promise<Map<string, PhotoFaceView[]>> {
    if (photoIds.length === 0) return new Map();
    const rows = await this.em().getConnection().execute<
      { photo_id: string; face_index: number; box_left: number; box_top: number; box_width: number; box_height: number; person_id: string | null }[]
    >(
      `select f.photo_id, f.face_index, f.box_left, f.box_top, f.box_width, f.box_height, m.person_id
         from faces f left join matches m on m.face_id = f.id and m.user_id = ?
        where f.photo_id in (${photoIds.map(() => '?').join(',')}) order by f.photo_id, f.face_index`,
      [userId, ...photoIds],
    );
    const faces = new Map<string, PhotoFaceView[]>();
    for (const r of rows) {
      const list = faces.get(r.photo_id) ?? [];
      // One face matched to two of the guest's people (twins) shows once, with the first.
      if (list.at(-1)?.index === r.face_index) continue;
      list.push({ index: r.face_index, box: { left: r.box_left, top: r.box_top, width: r.box_width, height: r.box_height }, personId: r.person_id });
      faces.set(r.photo_id, list);
    }
    return faces;
  }

  async withoutGuests(eventId: string, limit: number, after?: { at: Date; id: string }): Promise<{ ids: string[]; total: number }> {
    const unmatched = `from photos p where p.event_id = ? and p.status = 'DONE' and not exists (select 1 from matches m where m.photo_id = p.id)`;
    const [rows, count] = await Promise.all([
      this.em().getConnection().execute<{ id: string }[]>(
        `select p.id ${unmatched} ${after ? 'and (p.created_at, p.id) > (?::timestamptz, ?::uuid)' : ''} order by p.created_at, p.id limit ?`,
        [eventId, ...(after ? [after.at, after.id] : []), limit],
      ),
      this.em().getConnection().execute<{ n: number }[]>(`select count(*)::int as n ${unmatched}`, [eventId]),
    ]);
    return { ids: rows.map((r) => r.id), total: count[0]?.n ?? 0 };
  }

  async coverage(eventId: string): Promise<EventCoverage> {
    const [row] = await this.em().getConnection().execute<{ faces: number; matched: number; photos: number; without: number }[]>(
      `select (select count(*)::int from faces f join photos p on p.id = f.photo_id where p.event_id = ? and p.status = 'DONE') as faces,
              (select count(distinct m.face_id)::int from matches m join photos p on p.id = m.photo_id where p.event_id = ? and p.status = 'DONE') as matched,
              (select count(*)::int from photos p where p.event_id = ? and p.status = 'DONE') as photos,
              (select count(*)::int from photos p where p.event_id = ? and p.status = 'DONE'
                  and not exists (select 1 from matches m where m.photo_id = p.id)) as without`,
      [eventId, eventId, eventId, eventId],
    );
    return { faces: row?.faces ?? 0, matchedFaces: row?.matched ?? 0, photos: row?.photos ?? 0, photosWithoutGuests: row?.without ?? 0 };
  }

  async withStatus(ids: readonly string[], status: PhotoStatus): Promise<string[]> {
    const uuids = ids.filter(isUuid);
    if (uuids.length === 0) return [];
    const rows = await this.em().getConnection().execute<{ id: string }[]>(
      `select id from photos where id in (${uuids.map(() => '?').join(',')}) and status = ?`,
      [...uuids, status],
    );
    return rows.map((r) => r.id);
  }
}

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** What a gallery page shows of a photo (bookkeeping columns such as worker_id and updated_at stay out). */
const PAGE_COLUMNS = [
  'id', 'event_id', 'uploader_id', 'original_filename', 'content_type', 'byte_size', 'original_key', 'display_key', 'guest_original_key',
  'thumbnail_key', 'width', 'height', 'status', 'error_code', 'error_message', 'attempts', 'face_count', 'show_in_general', 'content_sha256',
  'processed_at', 'created_at',
]
  .map((c) => `p.${c}`)
  .join(', ');

/**
 * A guest's gallery, in one statement ($1 user, $2 event, $3 user, $4 is admin, $5 user, [cursor], limit, user,
 * the people looked for, whether photos shown to everyone count). `together`: only photos where all those people are.
 */
function galleryStatement(after: boolean, together: boolean): string {
  const n = after ? 2 : 0;
  const people = `$${8 + n}::uuid[]`;
  return `with ev as (
              select e.id, e.owner_id, e.name, e.public_gallery,
                     (select pa.status::text from participations pa where pa.event_id = e.id and pa.user_id = $1) as membership
                from events e where e.id = $2 and e.deleting_at is null),
            allowed as (select ev.* from ev where ev.owner_id = $3 or $4 or ev.membership = 'APPROVED'),
            visible as (
              select p.id, p.created_at from allowed a join matches m on m.user_id = $5 and m.person_id = any(${people})
                join photos p on p.id = m.photo_id and p.event_id = a.id and p.status = 'DONE'
              ${together ? `group by p.id, p.created_at having count(distinct m.person_id) = cardinality(${people})` : ''}
              union
              select p.id, p.created_at from allowed a join photos p on p.event_id = a.id and a.public_gallery and p.status = 'DONE' and p.show_in_general
               where $${9 + n}::boolean),
            paged as (select v.id, v.created_at from visible v ${after ? 'where (v.created_at, v.id) < ($6, $7)' : ''} order by v.created_at desc, v.id desc limit $${6 + n}),
            page_rows as (
              select ${PAGE_COLUMNS},
                     m.similarity as m_similarity, f.box_left as f_left, f.box_top as f_top, f.box_width as f_width, f.box_height as f_height
                from paged join photos p on p.id = paged.id
                left join matches m on m.photo_id = p.id and m.person_id = $${7 + n}
                left join faces f on f.id = m.face_id)
       select ev.owner_id as ev_owner_id, ev.name as ev_name, ev.membership as ev_membership, (select count(*)::int from visible) as total, r.*
         from ev left join page_rows r on true
        order by r.created_at desc nulls last, r.id desc`;
}

const GALLERY: Record<string, string> = {
  findme_gallery_first: galleryStatement(false, false),
  findme_gallery_after: galleryStatement(true, false),
  findme_gallery_first_together: galleryStatement(false, true),
  findme_gallery_after_together: galleryStatement(true, true),
};

/**
 * The photos of a ZIP: the whole event's processed photos, or a guest's: those
 * of the people it is for, and those shown to everyone when the guest is one of them.
 */
function archiveSelection(input: ArchiveQuery): { sql: string; params: unknown[] } {
  const columns = `p.id, p.original_filename, p.content_type, p.original_key, p.display_key, p.guest_original_key, p.created_at`;
  if (input.scope === 'event') {
    return {
      sql: `select ${columns} from photos p join events e on e.id = p.event_id and e.deleting_at is null where p.event_id = ? and p.status = 'DONE'`,
      params: [input.eventId],
    };
  }
  return {
    sql: `select ${columns} from photos p join matches m on m.photo_id = p.id and m.user_id = ? and m.person_id in (${input.personIds.map(() => '?').join(', ')})
            join events e on e.id = p.event_id and e.deleting_at is null
           where p.event_id = ? and p.status = 'DONE'
          union
          select ${columns} from photos p join events e on e.id = p.event_id and e.public_gallery and e.deleting_at is null
           where p.event_id = ? and p.status = 'DONE' and p.show_in_general and ?::boolean`,
    params: [input.userId, ...input.personIds, input.eventId, input.eventId, input.personIds.includes(input.userId)],
  };
}
