import type { Photo, PhotoStatus } from '../../domain/entities/index.js';

/** Columns set together with a status change. */
export type StatusColumns = Partial<Pick<Photo, 'errorCode' | 'errorMessage' | 'attempts' | 'processedAt' | 'workerId'>>;

/** A photo that moved, with the status it left. */
export interface MovedPhoto {
  id: string;
  eventId: string;
  previous: PhotoStatus;
}

/** One row of a guest's gallery page: the photo's columns and the guest's match in it. */
export interface GalleryRow {
  /** The photo's columns as stored (snake_case), for the ORM to map. */
  columns: Record<string, unknown> & { id: string };
  match: { similarity: number; box: { left: number; top: number; width: number; height: number } } | null;
}

/** The event as the gallery check needs it, whatever the caller may see. */
export interface GalleryAccess {
  ownerId: string;
  eventName: string;
  /** The caller's participation status, null when they did not join. */
  membership: string | null;
}

/** One photo of an archive: its keys (the caller picks the right file) and its name. */
export interface ArchiveRow {
  id: string;
  /** Where the next page starts: exact to the microsecond (a Date would round it). */
  cursor: string;
  originalFilename: string;
  contentType: string;
  originalKey: string;
  displayKey: string | null;
  guestOriginalKey: string | null;
}

/** The queries on photos that the ORM does not express well: status moves, counts, galleries, job recovery. */
export interface PhotoRepository {
  /** Moves the photos in one of `from` to `to` (one guarded statement); the others stay as they are. */
  moveStatus(ids: string[], from: readonly PhotoStatus[], to: PhotoStatus, set?: StatusColumns): Promise<MovedPhoto[]>;
  /** Photos of the event by status. */
  countByStatus(eventId: string): Promise<Partial<Record<PhotoStatus, number>>>;
  /**
   * Photos of every event waiting or processing that were uploaded no later
   * than the event's last waiting one: what the workers (shared by all events)
   * do before this event is through. 0 when the event has nothing waiting.
   */
  queueAhead(eventId: string): Promise<number>;
  /** Photos finished in the `windowSeconds` before `now`, and the seconds since the first of them (by every worker). */
  finishedLately(now: Date, windowSeconds: number): Promise<{ count: number; spanSeconds: number }>;
  /**
   * A guest's gallery in one statement: the event and the caller's membership,
   * then (only when `allowed` holds for them) the page of visible photos newest
   * first, each with the caller's match, and the total.
   */
  galleryPage(input: { userId: string; isAdmin: boolean; eventId: string; limit: number; before?: { at: Date; id: string } }): Promise<{
    access: GalleryAccess | null;
    total: number;
    rows: GalleryRow[];
  }>;
  /** The user's match (similarity, face box) in each of these photos. */
  matchesIn(userId: string, photoIds: readonly string[]): Promise<Map<string, GalleryRow['match']>>;
  /** Photos UPLOADED or PROCESSING untouched for `staleAfterSeconds`: touched and returned (their job was lost). */
  claimStale(staleAfterSeconds: number, limit: number): Promise<string[]>;
  /** Photos PROCESSING by a worker whose heartbeat is older than `silentAfterSeconds`. */
  heldBySilentWorkers(silentAfterSeconds: number, limit: number): Promise<{ id: string; workerId: string }[]>;
  /**
   * The DONE photos of an archive, oldest first: for `mine`, the user's
   * matches and (when the gallery is public) the photos shown to everyone;
   * for `event`, every DONE photo of the event.
   */
  /** One page of a ZIP's photos in upload order, after `after` (keyset): a ZIP of 5,000 photos is read a page at a time. */
  archiveRows(input: { eventId: string; scope: 'mine' | 'event'; userId: string; limit: number; after?: string }): Promise<ArchiveRow[]>;
  /** How many photos a ZIP holds. */
  archiveCount(input: { eventId: string; scope: 'mine' | 'event'; userId: string }): Promise<number>;
  /** "Not me": removes the user's match in the photo and keeps them out of it for good, together. */
  rejectMatch(userId: string, photoId: string): Promise<void>;
  /** Those of `ids` whose status is `status`. */
  withStatus(ids: readonly string[], status: PhotoStatus): Promise<string[]>;
}
