import type { EntityManager } from '@mikro-orm/postgresql';
import { Event, Participation, Role, type User } from '../domain/entities/index.js';
import { ForbiddenError, NotFoundError } from '../domain/errors.js';
import { isUuid } from './validation.js';

export type EventRole = 'admin' | 'owner' | 'participant' | 'none';

/** How `actor` relates to `event`. */
export async function roleInEvent(em: EntityManager, actor: User, event: Event): Promise<EventRole> {
  if (event.owner.id === actor.id) return 'owner';
  if (actor.role === Role.ADMIN) return 'admin';
  const joined = await em.count(Participation, { user: actor.id, event: event.id });
  return joined > 0 ? 'participant' : 'none';
}

/**
 * The event, when `actor` may manage it (owner or admin). A participant gets
 * FORBIDDEN; anyone else NOT_FOUND, exactly as for an event that does not exist.
 */
export async function loadManagedEvent(em: EntityManager, actor: User, eventId: string): Promise<Event> {
  const event = isUuid(eventId) ? await em.findOne(Event, { id: eventId }) : null;
  if (!event) throw new NotFoundError('Event');
  const role = await roleInEvent(em, actor, event);
  if (role === 'none') throw new NotFoundError('Event');
  if (role === 'participant') throw new ForbiddenError("Only the event's photographer can do this.");
  return event;
}
