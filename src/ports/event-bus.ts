import type { PhotoStatus } from '../domain/entities/photo.entity.js';

/** Messages between processes. They carry ids and states, never content: receivers reload what they show. */
export interface BusMessages {
  'photo.status': { eventId: string; photoId: string; previousStatus: PhotoStatus | null; status: PhotoStatus; at: string };
  'photo.deleted': { eventId: string; photoId: string };
  /** Photos were shown to everyone (the venue's wall shows those already processed). */
  'photo.shown': { eventId: string; photoIds: string[] };
  /** A photo's faces were (re)written: vector indexes catch up. */
  'faces.indexed': { eventId: string; photoId: string };
  /** A participant was found in a photo (the photo is DONE). */
  'match.created': { eventId: string; photoId: string; userId: string; personId: string };
  /** A user's sessions ended (account deleted, new password, logout): all of them, or only `sessionId` (one device); their sockets close. */
  'sessions.revoked': { userId: string; sessionId?: string };
  /** Face data of an event was erased (retention, deletion): vector indexes forget it. */
  'faces.erased': { eventId: string };
  /**
   * Who may see an event's photos changed: one guest (`userId`: approved,
   * refused, left) or everyone (the event is being deleted). Open
   * subscriptions check their subscriber's access again, and end without it.
   */
  'access.changed': { eventId: string; userId?: string };
  /** A Drive import of the event changed (counts, status, error) or was disconnected (`gone`). */
  'drive.import': { eventId: string; importId: string; gone?: boolean };
  /** A rematch job moved; subscribers reload it. */
  'rematch.progress': { userId: string; jobId: string };
}

export type BusTopic = keyof BusMessages;

/** Publish/subscribe across every API and worker process. */
export interface EventBus {
  publish<T extends BusTopic>(topic: T, message: BusMessages[T]): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe<T extends BusTopic>(topic: T, listener: (message: BusMessages[T]) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
