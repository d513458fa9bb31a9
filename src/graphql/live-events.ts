import { Repeater } from '@repeaterjs/repeater';
import type { BusMessages, EventBus } from '../ports/event-bus.js';

type StatusMessage = BusMessages['photo.status'];
type Change = { eventId: string; photoId: string };

/**
 * Bus messages fanned out to this process's subscriptions, keyed by event, so
 * one bus listener serves every socket.
 */
export class LiveEvents {
  private readonly status = new Map<string, Set<(m: StatusMessage) => void>>();
  private readonly changes = new Map<string, Set<(m: Change) => void>>();
  private readonly rematch = new Map<string, Set<(m: BusMessages['rematch.progress']) => void>>();
  private readonly matches = new Map<string, Set<(m: BusMessages['match.created']) => void>>();
  private readonly access = new Map<string, Set<(m: BusMessages['access.changed']) => void>>();
  private readonly shown = new Map<string, Set<(m: Change) => void>>();
  private readonly drive = new Map<string, Set<(m: BusMessages['drive.import']) => void>>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly loads = new Map<string, Promise<unknown>>();

  constructor(bus: EventBus) {
    this.unsubscribe.push(
      bus.subscribe('photo.status', (m) => {
        for (const l of this.status.get(m.eventId) ?? []) l(m);
        for (const l of this.changes.get(m.eventId) ?? []) l(m);
        if (m.status === 'DONE') for (const l of this.shown.get(m.eventId) ?? []) l(m);
      }),
      bus.subscribe('photo.shown', (m) => {
        for (const photoId of m.photoIds) for (const l of this.shown.get(m.eventId) ?? []) l({ eventId: m.eventId, photoId });
      }),
      bus.subscribe('photo.deleted', (m) => {
        for (const l of this.changes.get(m.eventId) ?? []) l(m);
      }),
      bus.subscribe('rematch.progress', (m) => {
        for (const l of this.rematch.get(m.userId) ?? []) l(m);
      }),
      bus.subscribe('match.created', (m) => {
        for (const l of this.matches.get(`${m.userId}:${m.eventId}`) ?? []) l(m);
      }),
      bus.subscribe('drive.import', (m) => {
        for (const l of this.drive.get(m.eventId) ?? []) l(m);
      }),
      bus.subscribe('access.changed', (m) => {
        for (const l of this.access.get(m.eventId) ?? []) l(m);
      }),
    );
  }

  /**
   * One load per bus message however many subscribers show it: 2,000 sockets
   * watching an event cost one query per change, not 2,000. Kept for a second.
   */
  shared<T>(key: string, load: () => Promise<T>): Promise<T> {
    let pending = this.loads.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load();
      this.loads.set(key, pending);
      const forget = () => setTimeout(() => this.loads.delete(key), 1000).unref();
      pending.then(forget, forget);
    }
    return pending;
  }

  /** Status changes of the event's photos, in arrival order. */
  photoStatus(eventId: string): Repeater<StatusMessage> {
    return listen(this.status, eventId);
  }

  /** Any change to the event's photos (status or deletion). */
  photoChanges(eventId: string): Repeater<Change> {
    return listen(this.changes, eventId);
  }

  /**
   * Photos that may have just joined what everyone sees: processed, or shown
   * to everyone (the receiver checks which: a processed photo may be hidden).
   */
  photosMaybeShown(eventId: string): Repeater<Change> {
    return listen(this.shown, eventId);
  }

  /** Progress of a user's rematch jobs. */
  rematchProgress(userId: string): Repeater<BusMessages['rematch.progress']> {
    return listen(this.rematch, userId);
  }

  /** Changes to the event's Drive imports. */
  driveImports(eventId: string): Repeater<BusMessages['drive.import']> {
    return listen(this.drive, eventId);
  }

  /** Photos newly matched to a user in an event. */
  newMatches(userId: string, eventId: string): Repeater<BusMessages['match.created']> {
    return listen(this.matches, `${userId}:${eventId}`);
  }

  /**
   * Ends `source` once its subscriber may no longer see it: access is checked
   * before each value is delivered, and at once whenever it changes for
   * `userId` (approval, refusal, leaving) or for everyone (deletion). The
   * subscription then completes, having delivered nothing more. One check
   * serves every subscription of the same person on the same event for a
   * second (2,000 sockets of one photographer cost one query per second, not
   * 2,000 per photo); a change of access starts a fresh one.
   */
  whileAllowed<T>(source: AsyncIterable<T>, scope: { eventId: string; userId: string }, check: () => Promise<boolean>): Repeater<T> {
    const changes = listen(this.access, scope.eventId);
    const key = `access:${scope.userId}:${scope.eventId}`;
    const allowed = () => this.shared(key, check);
    const recheck = () => {
      this.loads.delete(key);
      return allowed();
    };
    return new Repeater<T>(async (push, stop) => {
      const values = source[Symbol.asyncIterator]();
      const access = changes[Symbol.asyncIterator]();
      void stop.then(() => Promise.all([values.return?.(), access.return?.()]));
      const ended = stop.then(() => ({ kind: 'stop' as const }));
      const nextValue = () => values.next().then((r) => ({ kind: 'value' as const, r }));
      const nextChange = () => access.next().then((r) => ({ kind: 'access' as const, r }));
      let value = nextValue();
      let change = nextChange();
      for (;;) {
        const next = await Promise.race([value, change, ended]);
        if (next.kind === 'stop' || next.r.done) break;
        if (next.kind === 'access') {
          const m = next.r.value;
          if ((m.userId === undefined || m.userId === scope.userId) && !(await recheck())) break;
          change = nextChange();
          continue;
        }
        if (!(await allowed())) break;
        await push(next.r.value);
        value = nextValue();
      }
      stop();
    });
  }

  /** Open subscriptions, for metrics. */
  get listenerCount(): number {
    let n = 0;
    for (const map of [this.status, this.changes, this.rematch, this.matches, this.shown, this.drive] as Map<string, Set<unknown>>[]) {
      for (const set of map.values()) n += set.size;
    }
    return n;
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }
}

function listen<T>(map: Map<string, Set<(m: T) => void>>, key: string): Repeater<T> {
  return new Repeater<T>(async (push, stop) => {
    const listener = (m: T) => void push(m);
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(listener);
    await stop;
    set.delete(listener);
    if (set.size === 0) map.delete(key);
  });
}

/**
 * Maps each value, dropping those mapped to null. With `initial`, its value
 * comes first: read after the source is listened to, so nothing that happens
 * in between is missed (subscribe, then read the current state).
 */
export function mapAsync<T, R>(source: AsyncIterable<T>, fn: (value: T) => Promise<R | null>, initial?: () => Promise<R | null>): Repeater<R> {
  return new Repeater<R>(async (push, stop) => {
    const iterator = source[Symbol.asyncIterator]();
    void stop.then(() => iterator.return?.());
    const ended = stop.then(() => ({ done: true as const, value: undefined }));
    let pending = iterator.next();
    if (initial) {
      const first = await initial();
      if (first !== null) await push(first);
    }
    for (;;) {
      const next = await Promise.race([pending, ended]);
      if (next.done) break;
      const mapped = await fn(next.value);
      if (mapped !== null) await push(mapped);
      pending = iterator.next();
    }
    stop();
  });
}

/**
 * Emits `compute()` at once, then again after changes, at most once per
 * `minIntervalMs`: a burst of a thousand status changes is a handful of updates.
 */
export function coalesce<T>(changes: AsyncIterable<unknown>, compute: () => Promise<T>, minIntervalMs: number): Repeater<T> {
  return new Repeater<T>(async (push, stop) => {
    let timer: NodeJS.Timeout | undefined;
    let last = 0;
    let running = Promise.resolve();
    const emit = () => {
      timer = undefined;
      last = Date.now();
      running = running.then(async () => {
        await push(await compute());
      }).catch(() => undefined);
    };
    emit();
    const iterator = changes[Symbol.asyncIterator]();
    void stop.then(() => iterator.return?.());
    for (;;) {
      const next = await Promise.race([iterator.next(), stop.then(() => ({ done: true as const, value: undefined }))]);
      if (next.done) break;
      if (!timer) timer = setTimeout(emit, Math.max(0, minIntervalMs - (Date.now() - last)));
    }
    if (timer) clearTimeout(timer);
    stop();
  });
}
