import type { DriveFileOutcome } from '../../domain/entities/index.js';

export interface DriveImportCounts {
  seen: number;
  imported: number;
  skipped: number;
}

/** A skipped file and why, for the photographer. */
export interface DriveSkip {
  name: string;
  reason: string;
  at: Date;
}

/** What SQL does for Drive imports: the lease that lets one process at a time check a folder, and the counts. */
export interface DriveImportRepository {
  /** Takes the import for `owner` for `seconds`, when it is ACTIVE, its event is not being deleted, and nobody else holds it (or their lease ran out). */
  acquire(importId: string, owner: string, seconds: number): Promise<boolean>;
  /** Extends `owner`'s lease; false when it was lost, the import was paused or disconnected, or its event is being deleted (the check stops). */
  renew(importId: string, owner: string, seconds: number): Promise<boolean>;
  release(importId: string, owner: string): Promise<void>;
  /** ACTIVE imports whose next check is overdue and that nobody holds: their job was lost (a crash, a restart). */
  overdue(limit: number): Promise<string[]>;
  counts(importIds: string[]): Promise<Map<string, DriveImportCounts>>;
  recentSkips(importId: string, limit: number): Promise<DriveSkip[]>;
  /** What the import already decided about these files, by file id. */
  outcomes(importId: string, fileIds: string[]): Promise<Map<string, DriveFileOutcome>>;
  /** The name of a photo of the event with this content (by SHA-256, or by MD5 among files imported from Drive); null when none. */
  sameContent(eventId: string, sha256: string | null, md5: string | null): Promise<string | null>;
}
