import { print } from 'graphql';
import type { SessionFieldsFragment } from '../gql/graphql';
import { RefreshSessionDocument } from './operations';

/**
 * The signed-in session of this tab: the short-lived access token in memory
 * only, renewed from the HttpOnly refresh cookie (`X-FindMe-Refresh: cookie`)
 * a minute before it expires and when the app opens.
 */
export interface Session {
  token: string;
  expiresAt: number;
  user: SessionFieldsFragment['user'];
}

type Listener = (session: Session | null) => void;

// Sent with fetch, not Apollo: the link that adds the token calls renew() itself.
const REFRESH = print(RefreshSessionDocument);

class SessionStore {
  private current: Session | null = null;
  private readonly listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private renewing: Promise<Session | null> | null = null;
  /** True once the app asked the cookie whether someone is signed in. */
  restored = false;

  get(): Session | null {
    return this.current;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(session: Session | null): void {
    const changedToken = session?.token !== this.current?.token;
    this.current = session;
    clearTimeout(this.timer);
    if (session) {
      const wait = Math.max(5_000, session.expiresAt - Date.now() - 60_000);
      this.timer = setTimeout(() => void this.renew(), wait);
    }
    if (changedToken) for (const listener of this.listeners) listener(session);
  }

  /** The token, renewed first when it expires within 30 s. */
  async token(): Promise<string | null> {
    const session = this.current;
    if (session && session.expiresAt - Date.now() < 30_000) return (await this.renew())?.token ?? null;
    return session?.token ?? null;
  }

  private spendCookie(): Promise<Response> {
    return fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-findme-refresh': 'cookie' },
      body: JSON.stringify({ query: REFRESH, operationName: 'RefreshSession' }),
    });
  }

  /**
   * A new access token from the refresh cookie; null (signed out) when the
   * cookie is missing, spent or revoked. A network failure keeps the session
   * and tries again shortly.
   */
  renew(): Promise<Session | null> {
    this.renewing ??= (async () => {
      try {
        // One renewal at a time across this browser's tabs: the cookie is single use, and two
        // tabs spending it at once would look like a stolen token and end every session.
        const res = await (navigator.locks ? navigator.locks.request('findme-refresh', () => this.spendCookie()) : this.spendCookie());
        const body = (await res.json()) as { data?: { refreshSession: SessionFieldsFragment } | null };
        this.set(body.data?.refreshSession ? fromAuth(body.data.refreshSession) : null);
      } catch {
        if (this.current) this.timer = setTimeout(() => void this.renew(), 10_000);
      } finally {
        this.restored = true;
        this.renewing = null;
      }
      return this.current;
    })();
    return this.renewing;
  }
}

export function fromAuth(auth: SessionFieldsFragment): Session {
  return { token: auth.token, expiresAt: Date.parse(auth.expiresAt), user: auth.user };
}

export const session = new SessionStore();

/**
 * After sign-out or account deletion: the app opens afresh at `path`, so
 * nothing of the person stays in memory, and the signed-in page they were on
 * does not bounce them to sign-in first.
 */
export function reopenSignedOut(path: string): void {
  window.location.assign(path);
}
