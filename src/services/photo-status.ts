import type { EntityManager } from '@mikro-orm/postgresql';
import { Photo, PhotoStatus } from '../domain/entities/index.js';
import { PHOTO_TRANSITIONS, type PhotoTransition } from '../domain/photo-status.js';
import type { EventBus } from '../ports/event-bus.js';

/** Extra columns set with a status change. */
export type StatusColumns = Partial<Pick<Photo, 'errorCode' | 'errorMessage' | 'attempts' | 'processedAt' | 'workerId'>>;

/**
 * The one place a photo's status changes: moves the photos by a transition of
 * the state machine (`domain/photo-status.ts`) with one guarded UPDATE (only
 * rows in one of its `from` statuses change), then announces each change on
 * the bus. Returns the photos that moved.
 */
export async function changeStatus(em: EntityManager, bus: EventBus, ids: string[], transition: PhotoTransition, set?: StatusColumns): Promise<Photo[]> {
  const change: { from: readonly PhotoStatus[]; to: PhotoStatus; set?: StatusColumns | undefined } = { ...PHOTO_TRANSITIONS[transition], set };
  if (ids.length === 0) return [];
  const rows = await em.getConnection().execute<{ id: string; event_id: string; previous: PhotoStatus }[]>(
    `update photos p set status = ?, updated_at = now()
       ${change.set?.errorCode !== undefined ? ', error_code = ?' : ''}
       ${change.set?.errorMessage !== undefined ? ', error_message = ?' : ''}
       ${change.set?.attempts !== undefined ? ', attempts = ?' : ''}
       ${change.set?.processedAt !== undefined ? ', processed_at = ?' : ''}
       ${change.set?.workerId !== undefined ? ', worker_id = ?' : ''}
     from (select id, status as previous from photos where id in (${ids.map(() => '?').join(',')}) and status in (${change.from.map(() => '?').join(',')}) for update) old
     where p.id = old.id
     returning p.id, p.event_id, old.previous`,
    [
      change.to,
      ...(change.set?.errorCode !== undefined ? [change.set.errorCode] : []),
      ...(change.set?.errorMessage !== undefined ? [change.set.errorMessage] : []),
      ...(change.set?.attempts !== undefined ? [change.set.attempts] : []),
      ...(change.set?.processedAt !== undefined ? [change.set.processedAt] : []),
      ...(change.set?.workerId !== undefined ? [change.set.workerId] : []),
      ...ids,
      ...change.from,
    ],
  );
  const at = new Date().toISOString();
  await Promise.all(
    rows.map((r) => bus.publish('photo.status', { eventId: r.event_id, photoId: r.id, previousStatus: r.previous, status: change.to, at })),
  );
  if (rows.length === 0) return [];
  // Reload so callers see the new state (and not a stale identity-map copy).
  return em.find(Photo, { id: { $in: rows.map((r) => r.id) } }, { refresh: true });
}
