import type { BusMessages, BusTopic } from '../../ports/event-bus.js';

/** Listener bookkeeping shared by the bus adapters. A throwing listener does not stop the others. */
export class LocalListeners {
  private readonly byTopic = new Map<BusTopic, Set<(message: never) => void>>();

  add<T extends BusTopic>(topic: T, listener: (message: BusMessages[T]) => void): () => void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    const entry = listener as (message: never) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  emit<T extends BusTopic>(topic: T, message: BusMessages[T]): void {
    for (const listener of this.byTopic.get(topic) ?? []) {
      try {
        listener(message as never);
      } catch {
        // Listeners own their errors; one bad subscriber must not starve the rest.
      }
    }
  }
}
