import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A failure the photographer can act on: printed as one line, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * One line for a failure that is not an Error: a socket's close event (the
 * server went away) or anything else, never "[object Object]".
 */
export function describeFailure(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'code' in err) {
    const { code, reason } = err as { code: unknown; reason?: unknown };
    return `the connection to the server closed (code ${String(code)}${reason ? `: ${String(reason)}` : ''}).`;
  }
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A signed-in session the API renews by itself; `renewed` keeps each new pair (the credentials file). */
export interface ApiSession {
  token: string;
  /** When `token` stops working; unknown for sessions saved before renewal existed. */
  expiresAt?: Date | undefined;
  refreshToken?: string | undefined;
  renewed?: (session: { token: string; expiresAt: Date; refreshToken: string }) => Promise<void>;
}

/** Renewed this long before the access token expires, so no request meets an expired one. */
const RENEW_AHEAD_MS = 60_000;

/** The public GraphQL API of a FindMe server, as any integrator would call it. */
export class FindMeApi {
  readonly graphqlUrl: string;
  private renewing: Promise<void> | null = null;

  constructor(
    server: string,
    private readonly session?: ApiSession,
  ) {
    const base = server.replace(/\/+$/, '').replace(/\/graphql$/, '');
    if (!/^https?:\/\//.test(base)) throw new CliError(`--server must be an http:// or https:// URL (got ${server}).`);
    this.graphqlUrl = `${base}/graphql`;
  }

  /**
   * Sends an operation. A session about to expire is renewed first with its
   * refresh token, and a request refused as UNAUTHENTICATED is renewed and
   * sent once more, so a watch outlives any access token.
   */
  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const session = this.session;
    if (session?.refreshToken && session.expiresAt && session.expiresAt.getTime() - Date.now() < RENEW_AHEAD_MS) await this.renew();
    try {
      return await this.send<T>(query, variables);
    } catch (err) {
      if (!(err instanceof CliError && err.code === 'UNAUTHENTICATED' && session?.refreshToken)) throw err;
      await this.renew();
      return this.send<T>(query, variables);
    }
  }

  /** One renewal at a time however many uploads ask for it: a refresh token works once. */
  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      const session = this.session!;
      const refreshToken = session.refreshToken!;
      const { refreshSession } = await this.send<{ refreshSession: { token: string; expiresAt: string; refreshToken: string } }>(
        'mutation($r: String!) { refreshSession(refreshToken: $r) { token expiresAt refreshToken } }',
        { r: refreshToken },
        false,
      ).catch((err: unknown) => {
        throw new CliError(`Your session has ended (${(err as Error).message.replace(/\.$/, '')}). Run: findme login --server ${this.graphqlUrl.replace(/\/graphql$/, '')}`, 'UNAUTHENTICATED');
      });
      Object.assign(session, { token: refreshSession.token, expiresAt: new Date(refreshSession.expiresAt), refreshToken: refreshSession.refreshToken });
      await session.renewed?.({ token: refreshSession.token, expiresAt: new Date(refreshSession.expiresAt), refreshToken: refreshSession.refreshToken });
    })().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async send<T>(query: string, variables: Record<string, unknown>, authorized = true): Promise<T> {
    const token = authorized ? this.session?.token : undefined;
    let res: Response;
    try {
      res = await fetch(this.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
    } catch (err) {
      throw new CliError(`Cannot reach ${this.graphqlUrl}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}.`);
    }
    let body: GraphQLAnswer<T>;
    try {
      body = (await res.json()) as GraphQLAnswer<T>;
    } catch {
      throw new CliError(`${this.graphqlUrl} answered HTTP ${res.status} without a GraphQL response; is it a FindMe server?`);
    }
    const error = body.errors?.[0];
    if (error) {
      const code = typeof error.extensions?.['code'] === 'string' ? error.extensions['code'] : undefined;
      if (code === 'UNAUTHENTICATED' && token) throw new CliError(`${error.message} Run: findme login --server ${this.graphqlUrl.replace(/\/graphql$/, '')}`, code);
      throw new CliError(error.message, code, error.extensions ?? {});
    }
    if (!body.data) throw new CliError(`${this.graphqlUrl} answered HTTP ${res.status} with no data.`);
    return body.data;
  }

  /** A graphql-ws client with the session's token: each (re)connection sends the newest one, renewed first when due. */
  live(): Client {
    return createClient({
      url: this.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: async () => {
        const session = this.session;
        if (session?.refreshToken && session.expiresAt && session.expiresAt.getTime() - Date.now() < RENEW_AHEAD_MS) await this.renew();
        return session ? { authorization: `Bearer ${session.token}` } : {};
      },
      // A socket the server closes when the token expires (4403) reconnects with a renewed one.
      shouldRetry: () => true,
      retryAttempts: 1000,
      lazy: true,
    });
  }
}

export interface UploadTarget {
  url: string;
  method: string;
  headers: { key: string; value: string }[];
  fields: { key: string; value: string }[];
}

/** Sends bytes to a presigned target (PUT with headers, or POST multipart with fields first). */
export async function sendToTarget(target: UploadTarget, bytes: Buffer, contentType: string): Promise<void> {
  const res =
    target.method === 'PUT'
      ? await fetch(target.url, { method: 'PUT', headers: Object.fromEntries(target.headers.map((h) => [h.key, h.value])), body: bytes })
      : await fetch(target.url, {
          method: 'POST',
          body: (() => {
            const form = new FormData();
            for (const f of target.fields) form.append(f.key, f.value);
            form.append('file', new Blob([bytes], { type: contentType }));
            return form;
          })(),
        });
  if (res.status < 300) return;
  const text = await res.text();
  // 409 ALREADY_UPLOADED: the target already holds a complete file, the same one, sent by a run that was
  // interrupted before it could complete the upload (the event matched its SHA-256). Completing checks it.
  if (res.status === 409 && /"error"\s*:\s*"ALREADY_UPLOADED"/.test(text)) return;
  throw new CliError(`the storage refused the file (HTTP ${res.status}): ${text.slice(0, 200)}`);
}
