import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { AuthSession, Event, OriginalsPolicy, User } from '../domain/entities/index.js';
import { NotFoundError } from '../domain/errors.js';
import { originalFor } from '../domain/photo-files.js';
import type { Clock } from '../ports/clock.js';
import type { PhotoRepository } from '../ports/repositories/photo.repository.js';
import type { Sealer } from '../ports/sealer.js';
import { awaitingApproval, canSeePhotos, loadManagedEvent, roleInEvent } from './event-access.js';
import { isUuid } from './validation.js';

/** Photos listed per query while a ZIP is written. */
const ARCHIVE_PAGE = 500;

/** A link that downloads a ZIP, until it expires. */
export interface Download {
  url: string;
  expiresAt: Date;
  photoCount: number;
}

/** One file of an archive: the object to read and its name inside the ZIP. */
export interface ArchiveEntry {
  key: string;
  name: string;
}

/** A guest's photos of an event (their matches and the general ones), or a whole event for its photographer. */
export type ArchiveScope = 'mine' | 'event';

interface Claim {
  kind: 'archive';
  scope: ArchiveScope;
  userId: string;
  /** For `mine`: the people whose photos it holds (the guest's id and people they added); absent in older links: the guest. */
  personIds?: string[];
  eventId: string;
  /** The signed-in device that asked for the link, and the account's token version then: signing out ends the link. */
  sessionId: string | null;
  tokenVersion: number;
  /** Expiry, ms since the epoch. */
  exp: number;
}

/**
 * Photos as one ZIP. Asking for it checks access and hands out a sealed,
 * expiring link; following the link checks access again and lists the files
 * to stream (the HTTP layer reads them one by one into the ZIP, so nothing is
 * built in memory or on disk).
 */
export class ArchiveService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: { photos: PhotoRepository; sealer: Sealer; clock: Clock; logger: Logger; publicUrl: () => string; ttlSeconds: number },
  ) {}

  /** A link to the ZIP, valid until it expires or the session that asked for it ends (`sessionId`). */
  async offer(actor: User, eventId: string, scope: ArchiveScope, sessionId: string | null, personIds: string[] = [actor.id]): Promise<Download> {
    const event = await this.authorize(actor, eventId, scope);
    const photoCount = await this.deps.photos.archiveCount({ eventId: event.id, scope, userId: actor.id, personIds });
    const expiresAt = new Date(this.deps.clock.now().getTime() + this.deps.ttlSeconds * 1000);
    const claim: Claim = { kind: 'archive', scope, userId: actor.id, personIds, eventId: event.id, sessionId, tokenVersion: actor.tokenVersion, exp: expiresAt.getTime() };
    return { url: `${this.deps.publicUrl()}/archives/${this.deps.sealer.seal(JSON.stringify(claim))}`, expiresAt, photoCount };
  }

  /**
   * What a link gives now: the ZIP's name and its files, listed a page at a
   * time as the ZIP is written (opening a ZIP of 5,000 photos costs one page);
   * null when the link is forged, expired, or its holder lost access.
   */
  async open(token: string): Promise<{ filename: string; entries: AsyncIterable<ArchiveEntry>; userId: string } | null> {
    const claim = this.read(token);
    if (!claim) return null;
    const [actor, session] = await Promise.all([
      this.em.findOne(User, { id: claim.userId, active: true }),
      claim.sessionId ? this.em.findOne(AuthSession, { id: claim.sessionId, user: claim.userId, revokedAt: null }, { fields: ['id'] }) : null,
    ]);
    // Signed out (on that device, or everywhere) since the link was made: it ends with the session.
    if (!actor || actor.tokenVersion !== claim.tokenVersion || (claim.sessionId && !session)) return null;
    let event: Event;
    try {
      event = await this.authorize(actor, claim.eventId, claim.scope);
    } catch {
      return null;
    }
    const untouched = claim.scope === 'event' || event.originalsPolicy === OriginalsPolicy.UNTOUCHED || event.owner.id === actor.id;
    const { photos, logger } = this.deps;
    const query = { eventId: event.id, scope: claim.scope, userId: actor.id, personIds: claim.personIds ?? [actor.id] };
    async function* entries(): AsyncGenerator<ArchiveEntry> {
      const names = new UniqueNames();
      let after: string | undefined;
      let count = 0;
      for (;;) {
        const rows = await photos.archiveRows({ ...query, limit: ARCHIVE_PAGE, ...(after ? { after } : {}) });
        for (const row of rows) {
          const file = originalFor(row, untouched);
          if (!file.key) continue;
          count += 1;
          yield { key: file.key, name: names.take(file.filename) };
        }
        if (rows.length < ARCHIVE_PAGE) break;
        after = rows.at(-1)!.cursor;
      }
      logger.info({ ...query, photos: count }, 'archive download listed');
    }
    this.deps.logger.info(query, 'archive download');
    return { filename: `${event.name} - FindMe.zip`, entries: entries(), userId: actor.id };
  }

  private async authorize(actor: User, eventId: string, scope: ArchiveScope): Promise<Event> {
    if (scope === 'event') return loadManagedEvent(this.em, actor, eventId);
    const event = isUuid(eventId) ? await this.em.findOne(Event, { id: eventId }) : null;
    if (!event) throw new NotFoundError('Event');
    const role = await roleInEvent(this.em, actor, event);
    if (canSeePhotos(role)) return event;
    if (role === 'none') throw new NotFoundError('Event');
    throw awaitingApproval(event.name);
  }

  private read(token: string): Claim | null {
    try {
      const claim = JSON.parse(this.deps.sealer.open(token)) as Partial<Claim>;
      if (claim.kind !== 'archive' || (claim.scope !== 'mine' && claim.scope !== 'event')) return null;
      if (typeof claim.userId !== 'string' || typeof claim.eventId !== 'string' || typeof claim.exp !== 'number') return null;
      if (claim.personIds !== undefined && (!Array.isArray(claim.personIds) || !claim.personIds.every((id) => typeof id === 'string'))) return null;
      if (typeof claim.tokenVersion !== 'number' || (claim.sessionId !== null && typeof claim.sessionId !== 'string')) return null;
      return claim.exp > this.deps.clock.now().getTime() ? (claim as Claim) : null;
    } catch {
      return null;
    }
  }
}

/** Characters a file system refuses, or that an extractor reads as a path (separators, drive letters), and control characters. */
const UNSAFE = /[\u0000-\u001f\u007f<>:"/\\|?*]/g;
/** Names Windows keeps for devices, with or without an extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

/**
 * File names inside one ZIP: no folders, nothing an extractor would rewrite,
 * each name once whatever the case ("IMG_1.jpg", "IMG_1 (2).jpg"). Names are
 * made safe first and made unique after, so two names that extract alike
 * ("C:dup.jpg", "dup.jpg") cannot land on one file. A counter per name keeps
 * 5,000 photos called IMG_0001.JPG linear.
 */
export class UniqueNames {
  private readonly used = new Set<string>();
  private readonly next = new Map<string, number>();

  take(filename: string): string {
    let clean = filename.normalize('NFC').replace(UNSAFE, '_').replace(/[. ]+$/, '').replace(/^[. ]+/, '_');
    if (RESERVED.test(clean)) clean = `_${clean}`;
    if (!clean) clean = 'photo';
    const key = clean.toLowerCase();
    if (!this.used.has(key)) {
      this.used.add(key);
      return clean;
    }
    const dot = clean.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [clean.slice(0, dot), clean.slice(dot)] : [clean, ''];
    let n = this.next.get(key) ?? 2;
    while (this.used.has(`${stem} (${n})${ext}`.toLowerCase())) n++;
    this.next.set(key, n + 1);
    const name = `${stem} (${n})${ext}`;
    this.used.add(name.toLowerCase());
    return name;
  }
}
