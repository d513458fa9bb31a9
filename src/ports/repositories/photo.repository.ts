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

/** One page of a guest's gallery. */
export interface GalleryQuery {
  userId: string;
  isAdmin: boolean;
  eventId: string;
  limit: number;
  before?: { at: Date; id: string };
  /** The people looked for whose photos it shows: the guest's own id and ids of people they added. */
  personIds: string[];
  /** Only photos where every one of them appears. */
  together: boolean;
  /** The photos shown to everyone count too (when the event's gallery is public). */
  general: boolean;
}

/** A face of a photo as a guest sees it: where it is and, when it is one of their people, who. */
export interface PhotoFaceView {
  index: number;
  box: { left: number; top: number; width: number; height: number };
  personId: string | null;
}

/** How well an event's guests are covered by its processed photos. */
export interface EventCoverage {
  /** Faces found in its processed photos. */
  faces: number;
  /** Of those, faces matched to a guest or someone they look for. */
  matchedFaces: number;
  /** Processed photos. */
  photos: number;
  /** Processed photos in which no guest was found. */
  photosWithoutGuests: number;
}

/** The event as the gallery check needs it, whatever the caller may see. */
export interface GalleryAccess {
  ownerId: string;
  eventName: string;
  /** The caller's participation status, null when they did not join. */
  membership: string | null;
}

/** Which photos a ZIP holds: a whole event, or a guest's photos of the people it is for. */
export interface ArchiveQuery {
  eventId: string;
  scope: 'mine' | 'event';
  userId: string;
  /** For `mine`: the guest's own id and ids of people they added. */
  personIds: string[];
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
  galleryPage(input: GalleryQuery): Promise<{
    access: GalleryAccess | null;
    total: number;
    rows: GalleryRow[];
  }>;
  /** Each photo's faces in face order, with the user's person matched to each (theirs only). */
  facesWithPeople(userId: string, photoIds: readonly string[]): Promise<Map<string, PhotoFaceView[]>>;
  /** A page of the event's processed photos no guest was found in, in upload order after `after`, and how many there are. */
  withoutGuests(eventId: string, limit: number, after?: { at: Date; id: string }): Promise<{ ids: string[]; total: number }>;
  /** Faces found and matched, and photos with no guest found, in the event's processed photos. */
  coverage(eventId: string): Promise<EventCoverage>;
  /** "Not me": the person's match in the photo goes, and no later search makes it again (one transaction). */
  rejectMatch(userId: string, personId: string, photoId: string): Promise<void>;
  /** The user's own match (similarity, face box) in each of these photos. */
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
  archiveRows(input: ArchiveQuery & { limit: number; after?: string }): Promise<ArchiveRow[]>;
  /** How many photos a ZIP holds. */
  archiveCount(input: ArchiveQuery): Promise<number>;
  /** Those of `ids` whose status is `status`. */
  withStatus(ids: readonly string[], status: PhotoStatus): Promise<string[]>;
}
