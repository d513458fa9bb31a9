import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Event, OriginalsPolicy, User } from '../domain/entities/index.js';
import { NotFoundError } from '../domain/errors.js';
import { originalFor } from '../domain/photo-files.js';
import type { Clock } from '../ports/clock.js';
import type { PhotoRepository } from '../ports/repositories/photo.repository.js';
import type { Sealer } from '../ports/sealer.js';
import { awaitingApproval, loadManagedEvent, roleInEvent } from './event-access.js';
import { isUuid } from './validation.js';

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
  eventId: string;
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

  async offer(actor: User, eventId: string, scope: ArchiveScope): Promise<Download> {
    const event = await this.authorize(actor, eventId, scope);
    const rows = await this.deps.photos.archiveRows({ eventId: event.id, scope, userId: actor.id });
    const expiresAt = new Date(this.deps.clock.now().getTime() + this.deps.ttlSeconds * 1000);
    const claim: Claim = { kind: 'archive', scope, userId: actor.id, eventId: event.id, exp: expiresAt.getTime() };
    return { url: `${this.deps.publicUrl()}/archives/${this.deps.sealer.seal(JSON.stringify(claim))}`, expiresAt, photoCount: rows.length };
  }

  /** What a link gives now: the ZIP's name and files; null when the link is forged, expired, or its holder lost access. */
  async open(token: string): Promise<{ filename: string; entries: ArchiveEntry[] } | null> {
    const claim = this.read(token);
    if (!claim) return null;
    const actor = await this.em.findOne(User, { id: claim.userId, active: true });
    if (!actor) return null;
    let event: Event;
    try {
      event = await this.authorize(actor, claim.eventId, claim.scope);
    } catch {
      return null;
    }
    const untouched = claim.scope === 'event' || event.originalsPolicy === OriginalsPolicy.UNTOUCHED || event.owner.id === actor.id;
    const rows = await this.deps.photos.archiveRows({ eventId: event.id, scope: claim.scope, userId: actor.id });
    const names = new UniqueNames();
    const entries: ArchiveEntry[] = [];
    for (const row of rows) {
      const file = originalFor(row, untouched);
      if (file.key) entries.push({ key: file.key, name: names.take(file.filename) });
    }
    this.deps.logger.info({ userId: actor.id, eventId: event.id, scope: claim.scope, photos: entries.length }, 'archive download');
    return { filename: `${event.name} - FindMe.zip`, entries };
  }

  private async authorize(actor: User, eventId: string, scope: ArchiveScope): Promise<Event> {
    if (scope === 'event') return loadManagedEvent(this.em, actor, eventId);
    const event = isUuid(eventId) ? await this.em.findOne(Event, { id: eventId }) : null;
    if (!event) throw new NotFoundError('Event');
    const role = await roleInEvent(this.em, actor, event);
    if (role === 'none') throw new NotFoundError('Event');
    if (role === 'awaiting') throw awaitingApproval(event.name);
    return event;
  }

  private read(token: string): Claim | null {
    try {
      const claim = JSON.parse(this.deps.sealer.open(token)) as Partial<Claim>;
      if (claim.kind !== 'archive' || (claim.scope !== 'mine' && claim.scope !== 'event')) return null;
      if (typeof claim.userId !== 'string' || typeof claim.eventId !== 'string' || typeof claim.exp !== 'number') return null;
      return claim.exp > this.deps.clock.now().getTime() ? (claim as Claim) : null;
    } catch {
      return null;
    }
  }
}

/** File names inside one ZIP: no folders, each name once ("IMG_1.jpg", "IMG_1 (2).jpg"). */
class UniqueNames {
  private readonly used = new Set<string>();

  take(filename: string): string {
    const clean = filename.replace(/[/\\]/g, '_').replace(/^\.+/, '_') || 'photo';
    const dot = clean.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [clean.slice(0, dot), clean.slice(dot)] : [clean, ''];
    let name = clean;
    for (let n = 2; this.used.has(name.toLowerCase()); n++) name = `${stem} (${n})${ext}`;
    this.used.add(name.toLowerCase());
    return name;
  }
}
