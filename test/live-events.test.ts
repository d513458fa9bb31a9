import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryEventBus } from '../src/adapters/events/memory.event-bus.js';
import { PhotoStatus } from '../src/domain/entities/index.js';
import { coalesce, LiveEvents } from '../src/graphql/live-events.js';

const status = (eventId: string, photoId: string) => ({
  eventId,
  photoId,
  previousStatus: PhotoStatus.UPLOADED,
  status: PhotoStatus.PROCESSING,
  at: new Date().toISOString(),
});

describe('live events (in-memory bus)', () => {
  it('should route bus messages to the subscribers of their event only', async () => {
    const bus = new MemoryEventBus();
    const live = new LiveEvents(bus);
    const a = live.photoStatus('event-a')[Symbol.asyncIterator]();
    const first = a.next();
    await bus.publish('photo.status', status('event-b', 'p0'));
    await bus.publish('photo.status', status('event-a', 'p1'));
    assert.equal((await first).value?.photoId, 'p1');
    await a.return?.();
    assert.equal(live.listenerCount, 0, 'unsubscribing frees the listener');
    live.close();
  });

  it('should coalesce a burst of changes into a few recomputations', async () => {
    const bus = new MemoryEventBus();
    const live = new LiveEvents(bus);
    let computed = 0;
    const updates = coalesce(live.photoChanges('e'), async () => ++computed, 100)[Symbol.asyncIterator]();
    assert.equal((await updates.next()).value, 1, 'the current state at once');
    const burst = Date.now();
    for (let i = 0; i < 500; i++) await bus.publish('photo.status', status('e', `p${i}`));
    await bus.publish('photo.deleted', { eventId: 'e', photoId: 'p0' });
    const second = await updates.next();
    assert.ok(Date.now() - burst >= 90, 'waits out the minimum interval');
    await new Promise((r) => setTimeout(r, 250));
    await updates.return?.();
    assert.ok(computed <= 3, `${computed} recomputations for 501 changes`);
    assert.ok(Number(second.value) >= 2);
    live.close();
  });
});
