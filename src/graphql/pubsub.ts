import { Repeater } from '@repeaterjs/repeater';
import type { PubSub } from 'type-graphql';

/**
 * In-process publish/subscribe for type-graphql subscriptions. Events from other
 * processes reach it through the EventBus adapter, which republishes here.
 */
export class LocalPubSub implements PubSub {
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  publish(routingKey: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(routingKey) ?? []) listener(args[0]);
  }

  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown> {
    const key = dynamicId === undefined ? routingKey : `${routingKey}:${String(dynamicId)}`;
    return new Repeater<unknown>(async (push, stop) => {
      const listener = (payload: unknown) => void push(payload);
      let set = this.listeners.get(key);
      if (!set) this.listeners.set(key, (set = new Set()));
      set.add(listener);
      await stop;
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    });
  }
}
