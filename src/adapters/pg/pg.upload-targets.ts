import type { EntityManager } from '@mikro-orm/postgresql';
import { parseOriginalKey, parseSelfieKey } from '../../domain/object-keys.js';
import type { UploadTargets } from '../../ports/upload-targets.js';

/** Upload targets read from the photos and selfies tables (by primary key). */
export class PgUploadTargets implements UploadTargets {
  constructor(private readonly em: () => EntityManager) {}

  async isAwaitingUpload(key: string): Promise<boolean> {
    const photo = parseOriginalKey(key);
    if (photo) return this.exists(`select 1 from photos where id = ? and event_id = ? and status = 'PENDING'`, [photo.photoId, photo.eventId]);
    const selfie = parseSelfieKey(key);
    if (selfie) return this.exists(`select 1 from selfies where id = ? and user_id = ? and status = 'PENDING'`, [selfie.selfieId, selfie.userId]);
    return false;
  }

  private async exists(sql: string, params: string[]): Promise<boolean> {
    const rows = await this.em().getConnection().execute(sql, params);
    return rows.length > 0;
  }
}
