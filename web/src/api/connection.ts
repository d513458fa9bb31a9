import { useSyncExternalStore } from 'react';

/** Whether the browser is online, from its own signal (the socket and queries retry by themselves). */
class ConnectionState {
  private online = typeof navigator === 'undefined' ? true : navigator.onLine;
  private readonly listeners = new Set<() => void>();

  constructor() {
    window.addEventListener('online', () => this.update(true));
    window.addEventListener('offline', () => this.update(false));
  }

  private update(online: boolean): void {
    this.online = online;
    for (const listener of this.listeners) listener();
  }

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  readonly isOnline = () => this.online;
}

export const connection = new ConnectionState();

export function useOnline(): boolean {
  return useSyncExternalStore(connection.subscribe, connection.isOnline);
}
