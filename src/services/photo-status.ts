import { PHOTO_TRANSITIONS, type PhotoTransition } from '../domain/photo-status.js';
import type { EventBus } from '../ports/event-bus.js';
import type { PhotoRepository, StatusColumns } from '../ports/repositories/photo.repository.js';

export type { StatusColumns } from '../ports/repositories/photo.repository.js';

/**
 * The one place a photo's status changes: moves the photos by a transition of
 * the state machine (`domain/photo-status.ts`), only those in one of its
 * `from` statuses, then announces each change on the bus. Returns the ids that moved.
 */
export async function changeStatus(photos: PhotoRepository, bus: EventBus, ids: string[], transition: PhotoTransition, set?: StatusColumns): Promise<string[]> {
  const { from, to } = PHOTO_TRANSITIONS[transition];
  const moved = await photos.moveStatus(ids, from, to, set);
  const at = new Date().toISOString();
  await Promise.all(moved.map((m) => bus.publish('photo.status', { eventId: m.eventId, photoId: m.id, previousStatus: m.previous, status: to, at })));
  return moved.map((m) => m.id);
}
