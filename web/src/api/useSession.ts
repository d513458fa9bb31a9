import { useSyncExternalStore } from 'react';
import { session, type Session } from './session';

const subscribe = (listener: () => void) => session.subscribe(listener);
const current = () => session.get();

/** The signed-in person (null when signed out); re-renders on sign-in and sign-out. */
export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, current);
}
