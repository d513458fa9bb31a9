import { randomBytes } from 'node:crypto';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Event, Photo, PhotoStatus, type User } from '../domain/entities/index.js';
import { DomainError } from '../domain/errors.js';
import type { EventBus } from '../ports/event-bus.js';
import { canManage, loadManagedEvent, roleInEvent } from './event-access.js';
import { decodeTimeCursor, pageSize, toPage, type Page, type PageArgs } from './pagination.js';

/** A new wall secret: 144 random bits, URL-safe. */
export function newWallToken(): string {
  return randomBytes(18).toString('base64url');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,64}$/;

/** What the wall's screen shows besides photos: the event's name and where guests join it. */
export interface WallInfo {
  eventName: string;
  joinUrl: string;
}

/** The answer to a wall link that shows nothing: wrong, replaced, or the wall is off. */
function wallNotFound(): DomainError {
  return new DomainError('NOT_FOUND', 'This wall link does not work: the wall is off, or the photographer replaced the link.');
}

/**
 * The venue's screen: the photos of an event shown to everyone, newest first,
 * to anyone holding the wall link (no sign-in). The link is a secret the
 * photographer turns on, and can replace; what it shows is exactly what every
 * guest sees in the general gallery, never more.
 */
export class WallService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: { bus: EventBus; logger: Logger; clientUrl: () => string },
  ) {}

  /** The wall link, for the event's owner and admins while the wall is on; null otherwise. */
  async urlFor(actor: User, event: Event): Promise<string | null> {
    if (!event.wall || !event.wallToken || !canManage(await roleInEvent(this.em, actor, event))) return null;
    return `${this.deps.clientUrl()}/wall/${event.wallToken}`;
  }

  /** Replaces the wall link: screens on the old one stop at once (owner, admin). */
  async rotate(actor: User, eventId: string): Promise<Event> {
    const event = await loadManagedEvent(this.em, actor, eventId);
    event.wallToken = newWallToken();
    await this.em.flush();
    await this.deps.bus.publish('access.changed', { eventId: event.id });
    this.deps.logger.info({ eventId: event.id, actorId: actor.id }, 'wall link replaced');
    return event;
  }

  /** The event a wall link shows; NOT_FOUND when the link is wrong or replaced, or the wall is off. */
  async eventOf(token: string): Promise<Event> {
    const event = TOKEN_SHAPE.test(token) ? await this.em.findOne(Event, { wallToken: token, wall: true }) : null;
    if (!event) throw wallNotFound();
    return event;
  }

  async info(token: string): Promise<WallInfo> {
    const event = await this.eventOf(token);
    return { eventName: event.name, joinUrl: `${this.deps.clientUrl()}/e/${encodeURIComponent(event.code)}` };
  }

  /** The photos the wall shows, newest first. */
  async photos(token: string, args: PageArgs): Promise<Page<Photo>> {
    const event = await this.eventOf(token);
    const limit = pageSize(args.first);
    const before = args.after ? decodeTimeCursor(args.after) : undefined;
    if (!event.publicGallery) return toPage([], limit, 0, Boolean(args.after), () => []);
    const base: FilterQuery<Photo> = { event: event.id, status: PhotoStatus.DONE, showInGeneral: true };
    const where: FilterQuery<Photo> = before ? { $and: [base, { $or: [{ createdAt: { $lt: before.at } }, { createdAt: before.at, id: { $lt: before.id } }] }] } : base;
    const [rows, total] = await Promise.all([
      this.em.find(Photo, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: limit + 1 }),
      this.em.count(Photo, base),
    ]);
    return toPage(rows, limit, total, Boolean(args.after), (p) => [p.createdAt.toISOString(), p.id]);
  }

  /** The photo, when the event's wall shows it now (processed, shown to everyone, gallery public); else null. */
  async shown(eventId: string, photoId: string): Promise<Photo | null> {
    const photo = await this.em.findOne(Photo, { id: photoId, event: eventId, status: PhotoStatus.DONE, showInGeneral: true }, { populate: ['event'] });
    return photo && photo.event.getEntity().publicGallery ? photo : null;
  }

  /** Whether a screen on `token` may go on showing the event. */
  async stillOpen(token: string, eventId: string): Promise<boolean> {
    const event = await this.em.findOne(Event, { id: eventId }, { fields: ['wall', 'wallToken'] });
    return Boolean(event && event.wall && event.wallToken === token);
  }
}
