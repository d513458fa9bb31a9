import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { DriveFile, DriveFileOutcome, DriveImport, DriveImportStatus, Photo, PhotoStatus } from '../domain/entities/index.js';
import { photoKeys } from '../domain/object-keys.js';
import { DriveError, type DriveEntry, type DriveSource } from '../ports/drive.js';
import type { EventBus } from '../ports/event-bus.js';
import type { ImageFormat } from '../ports/image-processor.js';
import type { JobOutcome, JobQueue } from '../ports/job-queue.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { DriveImportRepository } from '../ports/repositories/drive-import.repository.js';
import type { PhotoRepository } from '../ports/repositories/photo.repository.js';
import { REFUSED_CREDENTIALS, unreadableFolder } from './drive-import.service.js';
import { changeStatus } from './photo-status.js';

const FOLDER = 'application/vnd.google-apps.folder';
/** Google Docs, Sheets, shortcuts, forms…: no bytes to import, not counted. */
const GOOGLE_APPS = 'application/vnd.google-apps.';
const FORMAT_TYPES: Record<ImageFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic' };
/** A check holds its folder this long, renewed while it runs: a crashed process frees it soon. */
export const DRIVE_LEASE_SECONDS = 10;
/** The longest wait between two checks after failures (SQS delays a message 15 minutes at most). */
const MAX_BACKOFF_SECONDS = 900;
/** Live updates of one import, at most this often while files stream in. */
const PUBLISH_INTERVAL_MS = 500;

export interface DriveImporterSettings {
  pollSeconds: number;
  /** A download that sends nothing for this long is abandoned (the check backs off and tries again). */
  timeoutSeconds: number;
  maxBytes: number;
  acceptedTypes: readonly string[];
}

/** Why a check stopped before the end of the folder. */
class CheckStopped extends Error {}

export interface DriveImporterDeps {
  fork: () => EntityManager;
  source: DriveSource;
  imports: (em: EntityManager) => DriveImportRepository;
  photos: PhotoRepository;
  store: ObjectStore;
  queue: JobQueue;
  bus: EventBus;
  sniff: (head: Buffer) => ImageFormat | null;
  logger: Logger;
  /** This process's worker id: the lease's owner. */
  owner: string;
  settings: DriveImporterSettings;
}

/**
 * Imports a connected Drive folder (the 'drive.poll' job): walks the folder
 * and its subfolders page by page, and puts each new photo through the same
 * pipeline as an upload. Every file is decided once, per import: imported,
 * or skipped with a reason. A file is claimed (IMPORTING, with its PENDING
 * photo) before its download, so a restart finishes it instead of fetching it
 * twice; one process at a time checks a folder (a lease in the database).
 */
export class DriveImporter {
  private stopping = false;

  constructor(private readonly deps: DriveImporterDeps) {}

  /** Ends checks in progress after their current file (the process is stopping); their folders are picked up again. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Folders whose check is overdue and that no process holds lost their job
   * (a crash, a restart, a lost message): queued again. Harmless when their job
   * still waits (one waiting job per folder).
   */
  async requeueOverdue(): Promise<number> {
    const ids = await this.deps.imports(this.deps.fork()).overdue(100);
    for (const importId of ids) await this.deps.queue.enqueue('drive.poll', { importId }, { key: importId });
    if (ids.length > 0) this.deps.logger.info({ imports: ids.length }, 'overdue drive folder checks queued');
    return ids.length;
  }

  /** One check of the folder: new files imported, the next check scheduled. */
  async check(importId: string): Promise<JobOutcome> {
    const em = this.deps.fork();
    const repo = this.deps.imports(em);
    if (!(await repo.acquire(importId, this.deps.owner, DRIVE_LEASE_SECONDS))) return 'skipped';
    const driveImport = await em.findOne(DriveImport, { id: importId });
    if (!driveImport) return 'skipped';
    const log = this.deps.logger.child({ importId, eventId: driveImport.event.id });
    let held = true;
    const renewal = setInterval(() => {
      repo.renew(importId, this.deps.owner, DRIVE_LEASE_SECONDS).then(
        (ok) => (held = held && ok),
        (err: unknown) => log.warn({ err }, 'could not renew the drive import lease'),
      );
    }, (DRIVE_LEASE_SECONDS * 1000) / 3);
    const run = new Check(this.deps, repo, driveImport, () => held && !this.stopping);
    try {
      await run.walk();
      await this.finish(em, driveImport, { ok: true });
      log.info({ folderId: driveImport.folderId, imported: run.imported, skipped: run.skipped }, 'drive folder checked');
      return 'done';
    } catch (err) {
      if (err instanceof CheckStopped) {
        await run.publish(true);
        return 'deferred';
      }
      if (!(await em.findOne(DriveImport, { id: importId }, { refresh: true }))) return 'done'; // disconnected meanwhile
      await this.finish(em, driveImport, { ok: false, err, log });
      return 'failed';
    } finally {
      clearInterval(renewal);
      await repo.release(importId, this.deps.owner).catch((err: unknown) => log.warn({ err }, 'could not release the drive import lease'));
    }
  }

  /** Records how the check ended and schedules the next one (none for a folder that can no longer be read). */
  private async finish(em: EntityManager, driveImport: DriveImport, result: { ok: true } | { ok: false; err: unknown; log: Logger }): Promise<void> {
    const now = new Date();
    let waitSeconds: number | null = this.deps.settings.pollSeconds;
    if (result.ok) {
      Object.assign(driveImport, { lastCheckedAt: now, lastError: null, failures: 0 });
    } else {
      const { err, log } = result;
      const email = this.deps.source.serviceAccountEmail;
      driveImport.failures += 1;
      const backoff = Math.min(MAX_BACKOFF_SECONDS, this.deps.settings.pollSeconds * 2 ** (driveImport.failures - 1));
      if (err instanceof DriveError && (err.failure === 'not-found' || err.failure === 'credentials')) {
        waitSeconds = null;
        driveImport.status = DriveImportStatus.FAILED;
        driveImport.lastError = err.failure === 'not-found' ? `The folder is gone or no longer shared. ${unreadableFolder(email)}` : REFUSED_CREDENTIALS;
        log.warn({ failure: err.failure, reason: err.message }, 'drive import failed');
      } else if (err instanceof DriveError) {
        waitSeconds = Math.max(backoff, err.retryAfterSeconds ?? 0);
        driveImport.lastError =
          err.failure === 'rate-limited'
            ? `Google Drive asked FindMe to slow down (its quota); the import goes on in ${waitSeconds} s.`
            : `Google Drive did not answer; the import goes on in ${waitSeconds} s.`;
        log.warn({ failure: err.failure, reason: err.message, waitSeconds }, 'drive import backing off');
      } else {
        waitSeconds = backoff;
        driveImport.lastError = `The import stopped on an internal error; it goes on in ${waitSeconds} s.`;
        log.error({ err, waitSeconds }, 'drive import check failed');
      }
    }
    driveImport.nextCheckAt = waitSeconds === null ? null : new Date(now.getTime() + waitSeconds * 1000);
    await em.flush();
    if (waitSeconds !== null && driveImport.status === DriveImportStatus.ACTIVE) {
      await this.deps.queue.enqueue('drive.poll', { importId: driveImport.id }, { key: driveImport.id, delaySeconds: waitSeconds });
    }
    await this.deps.bus.publish('drive.import', { eventId: driveImport.event.id, importId: driveImport.id });
  }
}

/** One walk of a folder tree. Each file is decided on a unit of work of its own. */
class Check {
  imported = 0;
  skipped = 0;
  private lastPublished = 0;
  private readonly importId: string;
  private readonly eventId: string;
  private readonly uploaderId: string | null;

  constructor(
    private readonly deps: DriveImporterDeps,
    private readonly repo: DriveImportRepository,
    private readonly driveImport: DriveImport,
    private readonly mayGoOn: () => boolean,
  ) {
    this.importId = driveImport.id;
    this.eventId = driveImport.event.id;
    this.uploaderId = driveImport.connectedBy?.id ?? null;
  }

  async walk(): Promise<void> {
    const root = await this.deps.source.folder(this.driveImport.folderId);
    this.driveImport.folderName = root.name;
    const folders = [root.id];
    const visited = new Set<string>();
    while (folders.length > 0) {
      const folderId = folders.shift()!;
      if (visited.has(folderId)) continue;
      visited.add(folderId);
      let pageToken: string | null = null;
      do {
        const page = await this.deps.source.list(folderId, pageToken);
        const files = page.entries.filter((e) => !e.trashed && !e.mimeType.startsWith(GOOGLE_APPS));
        folders.push(...page.entries.filter((e) => e.mimeType === FOLDER && !e.trashed).map((e) => e.id));
        const known = await this.repo.outcomes(this.importId, files.map((f) => f.id));
        for (const file of files) {
          const outcome = known.get(file.id);
          if (outcome === DriveFileOutcome.IMPORTED || outcome === DriveFileOutcome.SKIPPED) continue;
          if (!this.mayGoOn()) throw new CheckStopped();
          await this.file(this.deps.fork(), file, outcome === DriveFileOutcome.IMPORTING);
          await this.publish(false);
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
    }
  }

  /** Announces the import's counts, at most every PUBLISH_INTERVAL_MS unless `now`. */
  async publish(now: boolean): Promise<void> {
    if (!now && Date.now() - this.lastPublished < PUBLISH_INTERVAL_MS) return;
    this.lastPublished = Date.now();
    await this.deps.bus.publish('drive.import', { eventId: this.eventId, importId: this.importId });
  }

  private async file(em: EntityManager, entry: DriveEntry, resuming: boolean): Promise<void> {
    const claimed = resuming ? await em.findOne(DriveFile, { driveImport: this.importId, fileId: entry.id }, { populate: ['photo'] }) : await this.claim(em, entry);
    if (!claimed) return;
    const photo = claimed.photo?.getEntity();
    if (!photo) return this.skip(em, claimed, 'It was removed from the event while it was being imported.');
    if (photo.status !== PhotoStatus.PENDING) return this.markImported(em, claimed);
    // A restart after the bytes were stored: no second download.
    const stored = resuming ? await this.deps.store.head(photo.originalKey) : null;
    let content: { sha256: string | null; format: ImageFormat | null };
    if (stored && stored.size === photo.byteSize) {
      content = { sha256: null, format: this.deps.sniff(await this.headOf(photo.originalKey)) };
    } else {
      try {
        content = await this.download(entry.id, photo);
      } catch (err) {
        if (err instanceof DriveError && err.failure === 'not-found') return this.drop(em, claimed, photo, 'It was deleted from Drive before it could be imported.');
        throw err;
      }
    }
    if (!content.format) return this.drop(em, claimed, photo, `It is not a photo FindMe reads: its content is not JPEG, PNG, WebP or HEIC (Drive calls it ${entry.mimeType}).`);
    const same = content.sha256 && content.sha256 !== photo.contentSha256 ? await this.repo.sameContent(this.eventId, content.sha256, null) : null;
    if (same) return this.drop(em, claimed, photo, `The same photo is already in the event (${same}).`);
    photo.contentType = FORMAT_TYPES[content.format];
    if (content.sha256) photo.contentSha256 = content.sha256;
    await em.flush();
    await changeStatus(this.deps.photos, this.deps.bus, [photo.id], 'uploaded');
    await this.deps.queue.enqueue('photo.process', { photoId: photo.id }, { key: photo.id });
    await this.markImported(em, claimed);
  }

  /** Decides a new file: skipped at once (not a photo, too large, already in the event), or claimed with a PENDING photo. */
  private async claim(em: EntityManager, entry: DriveEntry): Promise<DriveFile | null> {
    const { settings } = this.deps;
    const base = { fileId: entry.id, name: entry.name, contentMd5: entry.md5Checksum };
    const reason = !settings.acceptedTypes.includes(entry.mimeType)
      ? `It is not a photo FindMe reads (${entry.mimeType}).`
      : !entry.size
        ? 'It is empty.'
        : entry.size > settings.maxBytes
          ? `It is larger than the ${Math.round(settings.maxBytes / 1024 / 1024)} MB a photo may be.`
          : null;
    const same = reason ? null : await this.repo.sameContent(this.eventId, entry.sha256Checksum, entry.md5Checksum);
    const skip = async (why: string, on: EntityManager) => {
      on.create(DriveFile, { ...base, driveImport: on.getReference(DriveImport, this.importId), outcome: DriveFileOutcome.SKIPPED, reason: why });
      await on.flush();
      this.skipped += 1;
      return null;
    };
    if (reason) return skip(reason, em);
    if (same) return skip(`The same photo is already in the event (${same}).`, em);
    const photo = em.create(Photo, {
      event: this.eventId,
      uploader: this.uploaderId,
      originalFilename: entry.name,
      contentType: entry.mimeType,
      byteSize: entry.size!,
      originalKey: '',
      contentSha256: entry.sha256Checksum,
      sourceModifiedAt: entry.modifiedTime,
    });
    photo.originalKey = photoKeys(this.eventId, photo.id).original;
    const file = em.create(DriveFile, { ...base, driveImport: em.getReference(DriveImport, this.importId), outcome: DriveFileOutcome.IMPORTING, photo });
    try {
      await em.flush();
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      // The same content arrived meanwhile (an upload of the same file).
      return skip('The same photo is already in the event.', this.deps.fork());
    }
    await this.deps.bus.publish('photo.status', { eventId: this.eventId, photoId: photo.id, previousStatus: null, status: PhotoStatus.PENDING, at: new Date().toISOString() });
    return file;
  }

  /** Streams the file from Drive to storage, hashing it on the way; its first bytes say what it is. */
  private async download(fileId: string, photo: Photo): Promise<{ sha256: string; format: ImageFormat | null }> {
    const body: Readable = await this.deps.source.download(fileId);
    const hash = createHash('sha256');
    let head = Buffer.alloc(0);
    let size = 0;
    const limit = photo.byteSize;
    const silence = this.deps.settings.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const watch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const stalled = new DriveError('unavailable', `the download of ${fileId} sent nothing for ${silence / 1000} s`);
        body.destroy(stalled);
        meter.destroy(stalled);
      }, silence);
    };
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        watch();
        size += chunk.length;
        if (size > limit) return done(new Error(`the file grew past the ${limit} bytes Drive announced`));
        if (head.length < 64) head = Buffer.concat([head, chunk.subarray(0, 64 - head.length)]);
        hash.update(chunk);
        done(null, chunk);
      },
    });
    body.on('error', (err) => meter.destroy(err));
    watch();
    try {
      await this.deps.store.putStream(photo.originalKey, body.pipe(meter), { contentType: photo.contentType, size: photo.byteSize });
    } finally {
      clearTimeout(timer);
    }
    return { sha256: hash.digest('hex'), format: this.deps.sniff(head) };
  }

  private async headOf(key: string): Promise<Buffer> {
    const stream = await this.deps.store.stream(key);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      n += (chunk as Buffer).length;
      if (n >= 64) break;
    }
    stream.destroy();
    return Buffer.concat(chunks).subarray(0, 64);
  }

  private async markImported(em: EntityManager, file: DriveFile): Promise<void> {
    file.outcome = DriveFileOutcome.IMPORTED;
    await em.flush();
    this.imported += 1;
  }

  private async skip(em: EntityManager, file: DriveFile, reason: string): Promise<void> {
    Object.assign(file, { outcome: DriveFileOutcome.SKIPPED, reason, photo: null });
    await em.flush();
    this.skipped += 1;
  }

  /** Skips a claimed file: its photo and any stored bytes go. */
  private async drop(em: EntityManager, file: DriveFile, photo: Photo, reason: string): Promise<void> {
    await this.deps.store.delete([photo.originalKey]);
    Object.assign(file, { outcome: DriveFileOutcome.SKIPPED, reason, photo: null });
    em.remove(photo);
    await em.flush();
    await this.deps.bus.publish('photo.deleted', { eventId: this.eventId, photoId: photo.id });
    this.skipped += 1;
  }
}
