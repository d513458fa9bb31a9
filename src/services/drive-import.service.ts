import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { DriveImport, DriveImportStatus, type User } from '../domain/entities/index.js';
import { driveFolderId } from '../domain/drive-link.js';
import { BadUserInputError, ConflictError, DomainError, NotFoundError } from '../domain/errors.js';
import { DriveError, type DriveSource } from '../ports/drive.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { DriveImportRepository, DriveSkip } from '../ports/repositories/drive-import.repository.js';
import { canManage, loadManagedEvent, roleInEvent } from './event-access.js';
import { quotaKeys, type Throttle } from './throttle.js';
import { isUuid } from './validation.js';

/** A Drive import as the photographer sees it: the folder, its state and what became of its files. */
export interface DriveImportView {
  id: string;
  eventId: string;
  folderId: string;
  folderName: string;
  status: DriveImportStatus;
  filesSeen: number;
  filesImported: number;
  filesSkipped: number;
  lastCheckedAt: Date | null;
  lastError: string | null;
}

/** Folders one event may import from at once. */
const MAX_FOLDERS_PER_EVENT = 10;
/** Connecting asks Google each time: a few a minute per account is plenty for a person (and keeps a script from spending the quota). */
const CONNECTS_PER_ACCOUNT = 60;
const CONNECT_WINDOW_SECONDS = 600;

/** What the photographer reads when FindMe cannot read a folder: what to do about it. */
export function unreadableFolder(email: string): string {
  return `FindMe cannot read this folder. In Google Drive, share it with ${email} as Viewer, then connect it again.`;
}

export const REFUSED_CREDENTIALS =
  "Google refused FindMe's service account: its key was deleted, disabled or revoked. Ask the person who runs FindMe to check GOOGLE_SERVICE_ACCOUNT_JSON, then connect the folder again.";

/**
 * Google Drive folders feeding an event (owner, admin): connect, pause, resume,
 * disconnect and list. The import itself runs in the worker (DriveImporter).
 */
export class DriveImportService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: {
      /** Undefined when no service account is configured. */
      source: DriveSource | undefined;
      imports: DriveImportRepository;
      queue: JobQueue;
      bus: EventBus;
      throttle: Throttle;
      logger: Logger;
    },
  ) {}

  /**
   * A check now, under a key of its own: the next scheduled check (keyed by the
   * import's id) may be waiting its delay, and would swallow a job with its key.
   * Two checks never overlap (the importer's lease), and the scheduled one finds
   * little left to do.
   */
  private checkNow(importId: string): Promise<void> {
    return this.deps.queue.enqueue('drive.poll', { importId }, { key: `${importId}:now` });
  }

  /** The address folders are shared with; null when Drive import is not configured. */
  serviceAccountEmail(): string | null {
    return this.deps.source?.serviceAccountEmail ?? null;
  }

  /** Checks that the folder can be read, then imports it now and every DRIVE_POLL_SECONDS. Connecting a folder again resumes it. */
  async connect(actor: User, eventId: string, folderUrl: string): Promise<DriveImportView> {
    const source = this.deps.source;
    if (!source) throw new DomainError('DRIVE_NOT_CONFIGURED', 'Google Drive import is not set up on this server: whoever runs FindMe sets GOOGLE_SERVICE_ACCOUNT_JSON first.');
    await this.deps.throttle.consume(
      'drive-connect',
      [{ key: quotaKeys.driveUser(actor.id), max: CONNECTS_PER_ACCOUNT, windowSeconds: CONNECT_WINDOW_SECONDS }],
      (s) => `Too many folders connected in a short time. Try again in ${s} seconds.`,
    );
    const event = await loadManagedEvent(this.em, actor, eventId);
    const folderId = driveFolderId(folderUrl);
    if (!folderId) {
      throw new BadUserInputError('folderUrl', "folderUrl: paste the folder's link from Google Drive (https://drive.google.com/drive/folders/…) or its id.");
    }
    let folder;
    try {
      folder = await source.folder(folderId);
    } catch (err) {
      throw this.connectError(err, source.serviceAccountEmail, folderId);
    }
    let driveImport = await this.em.findOne(DriveImport, { event: event.id, folderId });
    if (!driveImport) {
      if ((await this.em.count(DriveImport, { event: event.id })) >= MAX_FOLDERS_PER_EVENT) {
        throw new ConflictError(`An event imports from at most ${MAX_FOLDERS_PER_EVENT} Drive folders; disconnect one first.`);
      }
      driveImport = this.em.create(DriveImport, { event, connectedBy: actor, folderId, folderName: folder.name });
    }
    Object.assign(driveImport, { folderName: folder.name, status: DriveImportStatus.ACTIVE, lastError: null, failures: 0, nextCheckAt: new Date() });
    await this.em.flush();
    await this.checkNow(driveImport.id);
    await this.deps.bus.publish('drive.import', { eventId: event.id, importId: driveImport.id });
    this.deps.logger.info({ eventId: event.id, importId: driveImport.id, folderId, actorId: actor.id }, 'drive folder connected');
    return (await this.views([driveImport]))[0]!;
  }

  /** Stops checking the folder until it is resumed; the photos already imported stay. */
  async pause(actor: User, id: string): Promise<DriveImportView> {
    const driveImport = await this.loadManaged(actor, id);
    driveImport.status = DriveImportStatus.PAUSED;
    driveImport.nextCheckAt = null;
    await this.em.flush();
    await this.deps.bus.publish('drive.import', { eventId: driveImport.event.id, importId: driveImport.id });
    return (await this.views([driveImport]))[0]!;
  }

  /** Checks the folder again now, and every DRIVE_POLL_SECONDS (a paused or failed import). */
  async resume(actor: User, id: string): Promise<DriveImportView> {
    const driveImport = await this.loadManaged(actor, id);
    Object.assign(driveImport, { status: DriveImportStatus.ACTIVE, lastError: null, failures: 0, nextCheckAt: new Date() });
    await this.em.flush();
    await this.checkNow(driveImport.id);
    await this.deps.bus.publish('drive.import', { eventId: driveImport.event.id, importId: driveImport.id });
    return (await this.views([driveImport]))[0]!;
  }

  /** Forgets the folder: no more checks. Photos already imported stay in the event. */
  async disconnect(actor: User, id: string): Promise<string> {
    const driveImport = await this.loadManaged(actor, id);
    const eventId = driveImport.event.id;
    await this.em.removeAndFlush(driveImport);
    await this.deps.bus.publish('drive.import', { eventId, importId: id, gone: true });
    this.deps.logger.info({ eventId, importId: id, actorId: actor.id }, 'drive folder disconnected');
    return id;
  }

  async list(actor: User, eventId: string): Promise<DriveImportView[]> {
    const event = await loadManagedEvent(this.em, actor, eventId);
    return this.views(await this.em.find(DriveImport, { event: event.id }, { orderBy: { createdAt: 'asc', id: 'asc' } }));
  }

  /** The import as it is now, for live updates; null once disconnected. */
  async reload(id: string): Promise<DriveImportView | null> {
    const driveImport = await this.em.findOne(DriveImport, { id }, { refresh: true });
    return driveImport ? (await this.views([driveImport]))[0]! : null;
  }

  skipped(importId: string, limit: number): Promise<DriveSkip[]> {
    return this.deps.imports.recentSkips(importId, Math.max(1, Math.min(limit, 100)));
  }

  private async views(imports: DriveImport[]): Promise<DriveImportView[]> {
    const counts = await this.deps.imports.counts(imports.map((i) => i.id));
    return imports.map((i) => {
      const c = counts.get(i.id) ?? { seen: 0, imported: 0, skipped: 0 };
      return {
        id: i.id,
        eventId: i.event.id,
        folderId: i.folderId,
        folderName: i.folderName,
        status: i.status,
        filesSeen: c.seen,
        filesImported: c.imported,
        filesSkipped: c.skipped,
        lastCheckedAt: i.lastCheckedAt,
        lastError: i.lastError,
      };
    });
  }

  /** The import, when `actor` manages its event; NOT_FOUND otherwise (as for one that does not exist). */
  private async loadManaged(actor: User, id: string): Promise<DriveImport> {
    const driveImport = isUuid(id) ? await this.em.findOne(DriveImport, { id }, { populate: ['event'] }) : null;
    if (!driveImport || !canManage(await roleInEvent(this.em, actor, driveImport.event.getEntity()))) throw new NotFoundError('Drive import');
    return driveImport;
  }

  private connectError(err: unknown, email: string, folderId: string): DomainError {
    if (!(err instanceof DriveError)) throw err;
    this.deps.logger.warn({ folderId, failure: err.failure, reason: err.message }, 'drive folder could not be read');
    switch (err.failure) {
      case 'not-found':
        return new DomainError('DRIVE_FOLDER_UNREADABLE', unreadableFolder(email), { serviceAccountEmail: email });
      case 'credentials':
        return new DomainError('DRIVE_UNAVAILABLE', REFUSED_CREDENTIALS);
      case 'rate-limited':
        return new DomainError('DRIVE_UNAVAILABLE', 'Google Drive asked FindMe to slow down (its quota). Try again in a minute.', { retryAfterSeconds: err.retryAfterSeconds ?? 60 });
      default:
        return new DomainError('DRIVE_UNAVAILABLE', 'Google Drive did not answer. Try again in a minute.');
    }
  }
}
