import DataLoader from 'dataloader';
import { UniqueConstraintViolationException, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { resolvePerson, MAX_PEOPLE } from './people.service.js';
import { Event, Face, Match, OriginalsPolicy, Person, Photo, PhotoStatus, Role, type User } from '../domain/entities/index.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { FaceEngine } from '../ports/face-engine.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ObjectStore, PresignedUpload } from '../ports/object-store.js';
import { awaitingApproval, canManage, loadManagedEvent, roleInEvent } from './event-access.js';
import { photoKeys, photoPrefix } from '../domain/object-keys.js';
import { originalFor } from '../domain/photo-files.js';
import type { ObjectErasure } from './object-erasure.js';
import type { EventCoverage, PhotoFaceView, PhotoRepository } from '../ports/repositories/photo.repository.js';
import { decodeTimeCursor, pageSize, toPage, type Page, type PageArgs } from './pagination.js';
import { changeStatus } from './photo-status.js';
import { canTransition } from '../domain/photo-status.js';
import { urlWindow, type UrlWindow } from '../domain/url-window.js';
import { quotaKeys, type Throttle } from './throttle.js';
import { cleanFilename, isUuid } from './validation.js';

/** How the viewer was found in a photo: the similarity and the face's box (relative 0..1); null when not matched. */
export type MyMatch = { similarity: number; box: { left: number; top: number; width: number; height: number } } | null;

export interface UploadFile {
  filename: string;
  contentType: string;
  byteSize: number;
  /** Hex SHA-256 of the file, when the client computed it: the same file is refused twice in one event. */
  sha256?: string | null | undefined;
}

const SHA256 = /^[0-9a-f]{64}$/;

export interface PhotoSettings {
  maxBytes: number;
  batchMax: number;
  acceptedTypes: readonly string[];
  uploadUrlTtlSeconds: number;
  downloadUrlTtlSeconds: number;
  uploadRequestsPerAccount: number;
  uploadRequestsPerIp: number;
  uploadRequestWindowSeconds: number;
}

export type ProgressCounts = Record<'total' | 'pending' | 'uploaded' | 'processing' | 'done' | 'failed' | 'ahead', number> & {
  /** Seconds until the event's waiting photos are processed, at the workers' recent pace; null when nothing waits or no pace is known yet. */
  etaSeconds: number | null;
};

/** How far back the workers' pace is measured, and the shortest span it is measured over (a first photo says little). */
const PACE_WINDOW_SECONDS = 300;
const PACE_MIN_SPAN_SECONDS = 20;

/** Photos of an event: upload targets, processing requests, listing, access and deletion. */
export class PhotoService {
  private matchLoader: DataLoader<string, MyMatch> | undefined;
  private faceLoader: DataLoader<string, PhotoFaceView[]> | undefined;

  constructor(
    private readonly em: EntityManager,
    private readonly deps: {
      store: ObjectStore;
      /** The address the client reached FindMe at: the local store's URLs are made for it. */
      origin?: string | undefined;
      photos: PhotoRepository;
      erasure: ObjectErasure;
      queue: JobQueue;
      bus: EventBus;
      faces: FaceEngine;
      throttle: Throttle;
      clock: Clock;
      logger: Logger;
      settings: PhotoSettings;
    },
  ) {}

  /** Creates PENDING photos and a signed upload target for each (owner or admin). */
  async requestUploads(actor: User, eventId: string, files: UploadFile[], ip: string): Promise<{ photo: Photo; upload: PresignedUpload }[]> {
    const { settings, store } = this.deps;
    await this.deps.throttle.consume(
      'photo-uploads',
      [
        { key: quotaKeys.uploadsUser(actor.id), max: settings.uploadRequestsPerAccount, windowSeconds: settings.uploadRequestWindowSeconds },
        { key: quotaKeys.uploadsIp(ip), max: settings.uploadRequestsPerIp, windowSeconds: settings.uploadRequestWindowSeconds },
      ],
      (s) => `Too many upload requests. Send more files per request, or try again in ${s} seconds.`,
    );
    const event = await loadManagedEvent(this.em, actor, eventId);
    if (files.length === 0) throw new BadUserInputError('files', 'files: list at least one file.');
    if (files.length > settings.batchMax) {
      throw new BadUserInputError('files', `files: at most ${settings.batchMax} files per request; split the batch.`);
    }
    const checked = files.map((file, i) => this.checkFile(file, `files[${i}]`));
    const existing = await this.photosWithHashes(event.id, checked);
    // One millisecond apart: a batch lists in the order it was sent (rows made in one millisecond would tie).
    const base = Date.now();
    const photos = checked.map((file, i) => {
      const known = file.sha256 ? existing.get(file.sha256) : undefined;
      if (known && known.status !== PhotoStatus.PENDING) {
        throw new ConflictError(`files[${i}]: ${file.filename} is already in this event as ${known.originalFilename} (photo ${known.id}, ${known.status}).`, {
          field: `files[${i}].sha256`,
          photoId: known.id,
          status: known.status,
        });
      }
      if (known) {
        // Requested before but never uploaded (an interrupted upload): a new target for the same photo.
        Object.assign(known, { originalFilename: file.filename, contentType: file.contentType, byteSize: file.byteSize });
        return known;
      }
      const photo = this.em.create(Photo, {
        event,
        uploader: actor,
        originalFilename: file.filename,
        contentType: file.contentType,
        byteSize: file.byteSize,
        originalKey: '',
        contentSha256: file.sha256 ?? null,
        createdAt: new Date(base + i),
      });
      photo.originalKey = photoKeys(event.id, photo.id).original;
      return photo;
    });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError('files: one of these files was just added to this event by another request; list the event photos and retry.', { field: 'files' });
      }
      throw err;
    }
    const uploads = await Promise.all(
      photos.map((photo) =>
        store.createUpload(photo.originalKey, {
          contentType: photo.contentType,
          // The declared size is the cap: the store refuses a single byte more.
          maxBytes: photo.byteSize,
          expiresInSeconds: settings.uploadUrlTtlSeconds,
          baseUrl: this.deps.origin,
        }),
      ),
    );
    await Promise.all(
      photos.map((p) => this.deps.bus.publish('photo.status', { eventId: event.id, photoId: p.id, previousStatus: null, status: PhotoStatus.PENDING, at: new Date().toISOString() })),
    );
    this.deps.logger.info({ eventId: event.id, count: photos.length }, 'photo uploads requested');
    return photos.map((photo, i) => ({ photo, upload: uploads[i]! }));
  }

  /**
   * Marks uploaded photos UPLOADED and queues their processing. A photo whose
   * file has not arrived stays PENDING; one already further along is returned as is.
   */
  async completeUploads(actor: User, photoIds: string[]): Promise<Photo[]> {
    if (photoIds.length > this.deps.settings.batchMax) {
      throw new BadUserInputError('photoIds', `photoIds: at most ${this.deps.settings.batchMax} per request.`);
    }
    const photos = await this.loadManagedPhotos(actor, photoIds);
    const arrived: string[] = [];
    const tooLarge: string[] = [];
    await Promise.all(
      photos
        .filter((p) => p.status === PhotoStatus.PENDING || p.status === PhotoStatus.UPLOADED)
        .map(async (photo) => {
          const stored = await this.deps.store.head(photo.originalKey);
          if (!stored) return;
          if (stored.size > photo.byteSize) tooLarge.push(photo.id);
          else arrived.push(photo.id);
        }),
    );
    await changeStatus(this.deps.photos, this.deps.bus, tooLarge, 'rejected', {
      errorCode: 'FILE_TOO_LARGE',
      errorMessage: 'The stored file is larger than the size announced for it.',
    });
    await changeStatus(this.deps.photos, this.deps.bus, arrived, 'uploaded');
    // Queue every arrived photo, including ones already UPLOADED (a client retrying after a lost answer).
    for (const id of arrived) await this.deps.queue.enqueue('photo.process', { photoId: id }, { key: id });
    return this.em.find(Photo, { id: { $in: photos.map((p) => p.id) } }, { refresh: true, orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  async retry(actor: User, photoId: string): Promise<Photo> {
    const [photo] = await this.loadManagedPhotos(actor, [photoId]);
    if (!photo) throw new NotFoundError('Photo');
    if (!canTransition(photo.status, 'retried')) {
      throw new ConflictError(`Only a FAILED photo can be retried; this one is ${photo.status}.`, { status: photo.status });
    }
    await changeStatus(this.deps.photos, this.deps.bus, [photo.id], 'retried', { errorCode: null, errorMessage: null, attempts: 0 });
    await this.deps.queue.enqueue('photo.process', { photoId: photo.id }, { key: photo.id });
    return (await this.em.findOne(Photo, { id: photo.id }, { refresh: true })) ?? photo;
  }

  /** Removes the photo, its files, faces and matches. */
  async delete(actor: User, photoId: string): Promise<void> {
    const [photo] = await this.loadManagedPhotos(actor, [photoId]);
    if (!photo) throw new NotFoundError('Photo');
    const eventId = photo.event.id;
    const faces = await this.em.find(Face, { photo: photo.id }, { fields: ['id', 'engineFaceId'] });
    await this.deps.faces.deletePhotoFaces(
      eventId,
      photo.id,
      faces.map((f) => ({ id: f.id, photoId: photo.id, vector: null, engineFaceId: f.engineFaceId })),
    );
    // Faces and matches go with the row (ON DELETE CASCADE).
    await this.em.nativeDelete(Photo, { id: photo.id });
    await this.deps.erasure.erase(photoPrefix(eventId, photo.id));
    await this.deps.bus.publish('photo.deleted', { eventId, photoId: photo.id });
    this.deps.logger.info({ eventId, photoId: photo.id }, 'photo deleted');
  }

  async setVisibility(actor: User, photoId: string, showInGeneral: boolean): Promise<Photo> {
    const [photo] = await this.setVisibilityOf(actor, [photoId], showInGeneral);
    return photo!;
  }

  /**
   * "Not me": the caller is not in this photo. Their match goes, the photo
   * leaves their gallery (unless it is shown to everyone) and no later
   * search matches them in it again.
   */
  async rejectMatch(actor: User, photoId: string, personId?: string | null): Promise<string> {
    const person = await resolvePerson(this.em, actor, personId);
    const photo = await this.getVisible(actor, photoId);
    await this.deps.photos.rejectMatch(actor.id, person.id, photo.id);
    this.deps.logger.info({ photoId: photo.id, userId: actor.id, personId: person.id }, 'match rejected ("not me")');
    return photo.id;
  }

  /** Shows or hides several photos at once in the event's general gallery (owner or admin of every one). */
  async setVisibilityOf(actor: User, photoIds: string[], showInGeneral: boolean): Promise<Photo[]> {
    if (photoIds.length > this.deps.settings.batchMax) {
      throw new BadUserInputError('ids', `ids: at most ${this.deps.settings.batchMax} photos at once.`);
    }
    const photos = await this.loadManagedPhotos(actor, photoIds);
    const shown = photos.filter((p) => showInGeneral && !p.showInGeneral);
    for (const photo of photos) photo.showInGeneral = showInGeneral;
    await this.em.flush();
    // Bus messages stay small (PostgreSQL NOTIFY carries under 8 KB): a hundred ids each.
    for (const [eventId, group] of groupBy(shown, (p) => p.event.id)) {
      for (let i = 0; i < group.length; i += 100) await this.deps.bus.publish('photo.shown', { eventId, photoIds: group.slice(i, i + 100).map((p) => p.id) });
    }
    const byId = new Map(photos.map((p) => [p.id, p]));
    return [...new Set(photoIds)].map((id) => byId.get(id)!);
  }

  /** The event's photos in upload order (owner or admin). */
  async list(actor: User, eventId: string, status: PhotoStatus | null | undefined, args: PageArgs, withoutGuests = false): Promise<Page<Photo>> {
    const event = await loadManagedEvent(this.em, actor, eventId);
    const limit = pageSize(args.first);
    const after = args.after ? decodeTimeCursor(args.after) : undefined;
    if (withoutGuests) {
      // Processed photos no guest was found in: those the photographer may want to show to everyone.
      const page = await this.deps.photos.withoutGuests(event.id, limit + 1, after);
      const found = await this.em.find(Photo, { id: { $in: page.ids } });
      const byId = new Map(found.map((p) => [p.id, p]));
      return toPage(page.ids.flatMap((id) => byId.get(id) ?? []), limit, page.total, Boolean(args.after), (p) => [p.createdAt.toISOString(), p.id]);
    }
    const base: FilterQuery<Photo> = { event: event.id, ...(status ? { status } : {}) };
    let where = base;
    if (after) {
      const { at, id } = after;
      where = { $and: [base, { $or: [{ createdAt: { $gt: at } }, { createdAt: at, id: { $gt: id } }] }] };
    }
    const [rows, total] = await Promise.all([
      this.em.find(Photo, where, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: limit + 1 }),
      this.em.count(Photo, base),
    ]);
    return toPage(rows, limit, total, Boolean(args.after), (p) => [p.createdAt.toISOString(), p.id]);
  }

  /**
   * A photo the actor may see: the event's owner and admins see all; a
   * participant sees photos they are matched in and, when the event's gallery
   * is public, photos shown in general. Anything else is NOT_FOUND.
   */
  async getVisible(actor: User, photoId: string): Promise<Photo> {
    const photo = isUuid(photoId) ? await this.em.findOne(Photo, { id: photoId }, { populate: ['event'] }) : null;
    if (!photo) throw new NotFoundError('Photo');
    const event = photo.event.getEntity();
    const role = await roleInEvent(this.em, actor, event);
    if (canManage(role)) return photo;
    if (role === 'participant' && photo.status === PhotoStatus.DONE) {
      if (photo.showInGeneral && event.publicGallery) return photo;
      if ((await this.em.count(Match, { photo: photo.id, user: actor.id })) > 0) return photo;
    }
    throw new NotFoundError('Photo');
  }

  /**
   * A signed, short-lived URL of one rendition; null until the photo is DONE.
   * The original is the uploaded file for the event's owner and admins; guests
   * get the copy without GPS and serial numbers, unless the event hands out
   * untouched originals.
   */
  /** A signed URL of one of the photo's files. `viewer` null: a wall (no sign-in), which shows renditions, never originals. */
  async url(photo: Photo, kind: 'thumbnail' | 'display' | 'original', viewer: User | null): Promise<string | null> {
    if (photo.status !== PhotoStatus.DONE) return null;
    if (kind !== 'original') {
      const key = kind === 'thumbnail' ? photo.thumbnailKey : photo.displayKey;
      return key ? this.deps.store.createDownloadUrl(key, { ...this.urlWindow(), baseUrl: this.deps.origin }) : null;
    }
    if (!viewer) return null;
    let key: string | null = photo.originalKey;
    let filename = photo.originalFilename;
    if (viewer.role !== Role.ADMIN) {
      const event = await photo.event.load({ dataloader: true });
      if (event) ({ key, filename } = originalFor(photo, event.owner.id === viewer.id || event.originalsPolicy === OriginalsPolicy.UNTOUCHED));
    }
    if (!key) return null;
    return this.deps.store.createDownloadUrl(key, { ...this.urlWindow(), baseUrl: this.deps.origin, filename });
  }

  /** When the URLs of a DONE photo handed out now expire (the same for a window of time). */
  urlsExpireAt(photo: Photo): Date | null {
    return photo.status === PhotoStatus.DONE ? this.urlWindow().expiresAt : null;
  }

  private urlWindow(): UrlWindow {
    return urlWindow(this.deps.clock.now(), this.deps.settings.downloadUrlTtlSeconds);
  }

  /**
   * Counts by status, for progress, with what is ahead in the queue (all
   * events share the workers) and the time it should take at the pace the
   * workers kept over the last minutes (the caller checks access).
   */
  async progress(eventId: string): Promise<ProgressCounts> {
    const by = await this.deps.photos.countByStatus(eventId);
    // The queue is looked at only while this event has photos in it: an idle event costs one query.
    const waiting = (by.UPLOADED ?? 0) + (by.PROCESSING ?? 0) > 0;
    const [ahead, pace] = waiting
      ? await Promise.all([this.deps.photos.queueAhead(eventId), this.deps.photos.finishedLately(this.deps.clock.now(), PACE_WINDOW_SECONDS)])
      : [0, { count: 0, spanSeconds: 0 }];
    const perSecond = pace.count / Math.max(PACE_MIN_SPAN_SECONDS, pace.spanSeconds);
    const etaSeconds = ahead > 0 && pace.count > 0 ? Math.max(1, Math.round(ahead / perSecond)) : null;
    const counts = {
      pending: by.PENDING ?? 0,
      uploaded: by.UPLOADED ?? 0,
      processing: by.PROCESSING ?? 0,
      done: by.DONE ?? 0,
      failed: by.FAILED ?? 0,
    };
    return { total: counts.pending + counts.uploaded + counts.processing + counts.done + counts.failed, ...counts, ahead, etaSeconds };
  }

  /**
   * What a member of the event sees: the photos they were found in, plus the
   * photos shown in general when the event's gallery is public. Newest first.
   */
  async myPhotos(actor: User, eventId: string, args: PageArgs, people: { personIds?: string[] | null; together?: boolean | null } = {}): Promise<Page<Photo>> {
    if (!isUuid(eventId)) throw new NotFoundError('Event');
    const limit = pageSize(args.first);
    const before = args.after ? decodeTimeCursor(args.after) : undefined;
    const personIds = await this.peopleOf(actor, people.personIds);
    const together = Boolean(people.together);
    // Photos shown to everyone belong with the guest's own photos, not with a child's tab or photos of them together.
    const general = !together && personIds.includes(actor.id);
    // The busiest query of a guest's phone: one statement (see PhotoRepository.galleryPage).
    const page = await this.deps.photos.galleryPage({
      userId: actor.id,
      isAdmin: actor.role === Role.ADMIN,
      eventId,
      limit: limit + 1,
      ...(before ? { before } : {}),
      personIds,
      together,
      general,
    });
    const access = page.access;
    const manager = access && (access.ownerId === actor.id || actor.role === Role.ADMIN);
    if (!access || (!manager && !access.membership)) throw new NotFoundError('Event');
    if (!manager && access.membership !== 'APPROVED') throw awaitingApproval(access.eventName);
    const loader = this.matches(actor);
    const meta = this.em.getMetadata().get(Photo.name);
    // Every row is of this event: one managed reference for the page.
    const event = this.em.getReference(Event, eventId, { wrapped: true });
    const photos = page.rows.map(({ columns, match }) => {
      // A read-only view of the row, not a managed entity: hydrating and tracking 50 entities
      // per request was the largest cost of a guest's gallery.
      const data = this.em.getDriver().mapResult(columns as never, meta) as Record<string, unknown> & { id: string };
      const photo = { ...data, event } as unknown as Photo;
      loader.prime(photo.id, match);
      return photo;
    });
    return toPage(photos, limit, page.total, Boolean(args.after), (p) => [p.createdAt.toISOString(), p.id]);
  }

  /** The people a gallery or ZIP is for: the caller by default, else each one theirs (NOT_FOUND otherwise); at most 5. */
  async peopleOf(actor: User, personIds: string[] | null | undefined): Promise<string[]> {
    if (!personIds || personIds.length === 0) return [actor.id];
    const unique = [...new Set(personIds)];
    if (unique.length > 1 + MAX_PEOPLE) throw new BadUserInputError('personIds', `personIds: at most ${1 + MAX_PEOPLE} people.`);
    // The people the guest added, in one query; any other id is NOT_FOUND, as for one that does not exist.
    const added = unique.filter((id) => id !== actor.id);
    const found = added.length === 0 || !added.every(isUuid) ? [] : await this.em.find(Person, { id: { $in: added }, owner: actor.id }, { fields: ['id'] });
    if (found.length !== added.length) throw new NotFoundError('Person');
    return unique;
  }

  /**
   * The faces of a photo the actor may see (the caller checked), in face
   * order, each with the person it is matched to when that is one of the
   * actor's people (never anyone else's). Batched across a page.
   */
  async facesOf(actor: User, photo: Photo): Promise<PhotoFaceView[]> {
    this.faceLoader ??= new DataLoader<string, PhotoFaceView[]>(async (photoIds) => {
      const found = await this.deps.photos.facesWithPeople(actor.id, photoIds);
      return photoIds.map((id) => found.get(id) ?? []);
    });
    return this.faceLoader.load(photo.id);
  }

  /** The actor's own match in a photo (similarity and face box), batched across a page. */
  async myMatch(actor: User, photo: Photo): Promise<MyMatch> {
    return this.matches(actor).load(photo.id);
  }

  private matches(actor: User): DataLoader<string, MyMatch> {
    this.matchLoader ??= new DataLoader<string, MyMatch>(async (photoIds) => {
      const found = await this.deps.photos.matchesIn(actor.id, photoIds);
      return photoIds.map((id) => found.get(id) ?? null);
    });
    return this.matchLoader;
  }

  /**
   * Whether an actor who watched the event's processing may go on: they still
   * manage it, one being deleted included (its photographer watches the
   * deletion's counts fall to zero, and once the row is gone only zeros remain).
   */
  async stillManages(actor: User, eventId: string): Promise<boolean> {
    const event = isUuid(eventId) ? await this.em.findOne(Event, { id: eventId }, { filters: { live: false } }) : null;
    if (!event) return true;
    return canManage(await roleInEvent(this.em, actor, event));
  }

  /** How well the event's guests are covered: faces found, faces matched to a guest, photos with no guest found (owner or admin). */
  async coverage(actor: User, eventId: string): Promise<EventCoverage> {
    const event = await loadManagedEvent(this.em, actor, eventId);
    return this.deps.photos.coverage(event.id);
  }

  /** Checks the actor may watch the event's processing (owner or admin). */
  async assertCanWatch(actor: User, eventId: string): Promise<Event> {
    return loadManagedEvent(this.em, actor, eventId);
  }

  async reload(photoId: string): Promise<Photo | null> {
    return this.em.findOne(Photo, { id: photoId }, { refresh: true });
  }

  private checkFile(file: UploadFile, field: string): UploadFile {
    const { acceptedTypes, maxBytes } = this.deps.settings;
    const filename = cleanFilename(file.filename);
    if (filename.length === 0 || filename.length > 255) {
      throw new BadUserInputError(`${field}.filename`, `${field}.filename: must be 1 to 255 characters.`);
    }
    const contentType = file.contentType.trim().toLowerCase();
    if (!acceptedTypes.includes(contentType)) {
      throw new BadUserInputError(`${field}.contentType`, `${field}.contentType: ${file.contentType} is not accepted; send ${acceptedTypes.join(', ')}.`);
    }
    if (!Number.isInteger(file.byteSize) || file.byteSize < 1 || file.byteSize > maxBytes) {
      throw new BadUserInputError(`${field}.byteSize`, `${field}.byteSize: must be between 1 and ${maxBytes} bytes (${Math.round(maxBytes / 1048576)} MB).`);
    }
    const sha256 = file.sha256?.trim().toLowerCase() || null;
    if (sha256 !== null && !SHA256.test(sha256)) {
      throw new BadUserInputError(`${field}.sha256`, `${field}.sha256: must be the file's SHA-256 as 64 hexadecimal characters.`);
    }
    return { filename, contentType, byteSize: file.byteSize, sha256 };
  }

  /** Photos of the event with these files' hashes, by hash; a hash listed twice in one request is refused. */
  private async photosWithHashes(eventId: string, files: UploadFile[]): Promise<Map<string, Photo>> {
    const seen = new Map<string, number>();
    files.forEach((f, i) => {
      if (!f.sha256) return;
      const first = seen.get(f.sha256);
      if (first !== undefined) throw new BadUserInputError(`files[${i}].sha256`, `files[${i}]: the same file as files[${first}] (${files[first]!.filename}).`);
      seen.set(f.sha256, i);
    });
    if (seen.size === 0) return new Map();
    const photos = await this.em.find(Photo, { event: eventId, contentSha256: { $in: [...seen.keys()] } });
    return new Map(photos.map((p) => [p.contentSha256!, p]));
  }

  /** The event's photos with these content hashes (owner, admin): what an uploader may skip. */
  async byHashes(actor: User, eventId: string, hashes: string[]): Promise<Photo[]> {
    const event = await loadManagedEvent(this.em, actor, eventId);
    if (hashes.length > this.deps.settings.batchMax) throw new BadUserInputError('sha256', `sha256: at most ${this.deps.settings.batchMax} per request.`);
    const wanted = hashes.map((h) => h.trim().toLowerCase());
    if (!wanted.every((h) => SHA256.test(h))) throw new BadUserInputError('sha256', 'sha256: each must be 64 hexadecimal characters.');
    if (wanted.length === 0) return [];
    return this.em.find(Photo, { event: event.id, contentSha256: { $in: wanted } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** The photos, all of events the actor manages; any other id makes the whole call NOT_FOUND. */
  private async loadManagedPhotos(actor: User, photoIds: string[]): Promise<Photo[]> {
    const ids = [...new Set(photoIds)];
    if (ids.length === 0) throw new BadUserInputError('photoIds', 'photoIds: list at least one photo.');
    if (!ids.every(isUuid)) throw new NotFoundError('Photo');
    const photos = await this.em.find(Photo, { id: { $in: ids } }, { populate: ['event'] });
    if (photos.length !== ids.length) throw new NotFoundError('Photo');
    const events = new Map(photos.map((p) => [p.event.id, p.event.getEntity()]));
    for (const event of events.values()) {
      // Guests (approved, waiting or refused) cannot tell a photo they do not manage exists.
      if (!canManage(await roleInEvent(this.em, actor, event))) throw new NotFoundError('Photo');
    }
    return photos;
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
