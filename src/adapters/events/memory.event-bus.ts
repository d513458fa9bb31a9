import type { BusMessages, BusTopic, EventBus } from '../../ports/event-bus.js';
import { LocalListeners } from './local-listeners.js';

/** One process only: for unit tests of services. */
export class MemoryEventBus implements EventBus {
  private readonly listeners = new LocalListeners();
  readonly published: { topic: BusTopic; message: unknown }[] = [];

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async publish<T extends BusTopic>(topic: T, message: BusMessages[T]): Promise<void> {
    this.published.push({ topic, message });
    queueMicrotask(() => this.listeners.emit(topic, message));
  }

  subscribe<T extends BusTopic>(topic: T, listener: (message: BusMessages[T]) => void): () => void {
    return this.listeners.add(topic, listener);
  }
}
