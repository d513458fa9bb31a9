import type { EntityManager } from '@mikro-orm/postgresql';
import { Event, ParticipantStatus, Participation, Role, type User } from '../domain/entities/index.js';
import { ForbiddenError, NotFoundError } from '../domain/errors.js';
import { isUuid } from './validation.js';

/** `awaiting`: joined an event that requires approval, and not (or not yet) approved: sees the event, no photo. */
export type EventRole = 'admin' | 'owner' | 'participant' | 'awaiting' | 'none';

/**
 * The roles that manage an event (its photos, guests, settings, archive): an
 * allow-list, so a role added later manages nothing until it is listed here.
 */
const MANAGERS: ReadonlySet<EventRole> = new Set<EventRole>(['owner', 'admin']);

/** Whether `role` may manage the event. */
export function canManage(role: EventRole): boolean {
  return MANAGERS.has(role);
}

/** The roles that see the event's photos: its managers and approved guests (an allow-list too). */
const VIEWERS: ReadonlySet<EventRole> = new Set<EventRole>(['owner', 'admin', 'participant']);

/** Whether `role` may see the event's photos. */
export function canSeePhotos(role: EventRole): boolean {
  return VIEWERS.has(role);
}

/** How `actor` relates to `event`. */
export async function roleInEvent(em: EntityManager, actor: User, event: Event): Promise<EventRole> {
  if (event.owner.id === actor.id) return 'owner';
  if (actor.role === Role.ADMIN) return 'admin';
  const joined = await em.findOne(Participation, { user: actor.id, event: event.id }, { fields: ['status'] });
  if (!joined) return 'none';
  return joined.status === ParticipantStatus.APPROVED ? 'participant' : 'awaiting';
}

/**
 * The event, when `actor` may manage it (owner or admin). A participant gets
 * FORBIDDEN; anyone else NOT_FOUND, exactly as for an event that does not exist.
 */
export async function loadManagedEvent(em: EntityManager, actor: User, eventId: string): Promise<Event> {
  const event = isUuid(eventId) ? await em.findOne(Event, { id: eventId }) : null;
  if (!event) throw new NotFoundError('Event');
  const role = await roleInEvent(em, actor, event);
  if (canManage(role)) return event;
  if (role === 'none') throw new NotFoundError('Event');
  throw new ForbiddenError("Only the event's photographer can do this.");
}

/** The answer to a guest waiting for (or refused) approval. */
export function awaitingApproval(eventName: string): ForbiddenError {
  return new ForbiddenError(`The photographer of ${eventName} approves each guest; you will see the photos once they have approved you.`);
}
