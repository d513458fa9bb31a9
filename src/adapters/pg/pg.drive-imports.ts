import type { EntityManager } from '@mikro-orm/postgresql';
import type { DriveFileOutcome } from '../../domain/entities/index.js';
import type { DriveImportCounts, DriveImportRepository, DriveSkip } from '../../ports/repositories/drive-import.repository.js';

/** The import's event is not being deleted: no check starts or goes on for it. */
const EVENT_LIVE = 'not exists (select 1 from events e where e.id = drive_imports.event_id and e.deleting_at is not null)';

export class PgDriveImports implements DriveImportRepository {
  constructor(private readonly em: () => EntityManager) {}

  private run<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.em().getConnection().execute<T[]>(sql, params);
  }

  async acquire(importId: string, owner: string, seconds: number): Promise<boolean> {
    const rows = await this.run(
      `update drive_imports set lease_owner = ?, lease_until = now() + make_interval(secs => ?)
       where id = ? and status = 'ACTIVE' and (lease_owner is null or lease_owner = ? or lease_until < now())
         and ${EVENT_LIVE} returning id`,
      [owner, seconds, importId, owner],
    );
    return rows.length === 1;
  }

  async renew(importId: string, owner: string, seconds: number): Promise<boolean> {
    const rows = await this.run(
      `update drive_imports set lease_until = now() + make_interval(secs => ?) where id = ? and lease_owner = ? and status = 'ACTIVE'
         and ${EVENT_LIVE} returning id`,
      [seconds, importId, owner],
    );
    return rows.length === 1;
  }

  async release(importId: string, owner: string): Promise<void> {
    await this.run(`update drive_imports set lease_owner = null, lease_until = null where id = ? and lease_owner = ?`, [importId, owner]);
  }

  async overdue(limit: number): Promise<string[]> {
    const rows = await this.run<{ id: string }>(
      `select i.id from drive_imports i join events e on e.id = i.event_id and e.deleting_at is null
       where i.status = 'ACTIVE' and (i.next_check_at is null or i.next_check_at < now())
         and (i.lease_until is null or i.lease_until < now()) order by i.next_check_at nulls first limit ?`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  async counts(importIds: string[]): Promise<Map<string, DriveImportCounts>> {
    const counts = new Map<string, DriveImportCounts>(importIds.map((id) => [id, { seen: 0, imported: 0, skipped: 0 }]));
    if (importIds.length === 0) return counts;
    const rows = await this.run<{ id: string; seen: number; imported: number; skipped: number }>(
      `select drive_import_id as id, count(*)::int as seen,
              count(*) filter (where outcome = 'IMPORTED')::int as imported,
              count(*) filter (where outcome = 'SKIPPED')::int as skipped
       from drive_files where drive_import_id in (${importIds.map(() => '?').join(',')}) group by drive_import_id`,
      importIds,
    );
    for (const r of rows) counts.set(r.id, { seen: r.seen, imported: r.imported, skipped: r.skipped });
    return counts;
  }

  async recentSkips(importId: string, limit: number): Promise<DriveSkip[]> {
    const rows = await this.run<{ name: string; reason: string | null; created_at: Date }>(
      `select name, reason, created_at from drive_files where drive_import_id = ? and outcome = 'SKIPPED' order by created_at desc, id limit ?`,
      [importId, limit],
    );
    return rows.map((r) => ({ name: r.name, reason: r.reason ?? '', at: new Date(r.created_at) }));
  }

  async outcomes(importId: string, fileIds: string[]): Promise<Map<string, DriveFileOutcome>> {
    if (fileIds.length === 0) return new Map();
    const rows = await this.run<{ file_id: string; outcome: DriveFileOutcome }>(
      `select file_id, outcome from drive_files where drive_import_id = ? and file_id in (${fileIds.map(() => '?').join(',')})`,
      [importId, ...fileIds],
    );
    return new Map(rows.map((r) => [r.file_id, r.outcome]));
  }

  async sameContent(eventId: string, sha256: string | null, md5: string | null): Promise<string | null> {
    if (sha256) {
      const [row] = await this.run<{ name: string }>(`select original_filename as name from photos where event_id = ? and content_sha256 = ? limit 1`, [eventId, sha256]);
      if (row) return row.name;
    }
    if (md5) {
      const [row] = await this.run<{ name: string }>(
        `select f.name from drive_files f join drive_imports i on i.id = f.drive_import_id
         where i.event_id = ? and f.content_md5 = ? and f.outcome in ('IMPORTED', 'IMPORTING') limit 1`,
        [eventId, md5],
      );
      if (row) return row.name;
    }
    return null;
  }
}
