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

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** The public GraphQL API of a FindMe server, as any integrator would call it. */
export class FindMeApi {
  readonly graphqlUrl: string;

  constructor(
    server: string,
    private readonly token?: string,
  ) {
    const base = server.replace(/\/+$/, '').replace(/\/graphql$/, '');
    if (!/^https?:\/\//.test(base)) throw new CliError(`--server must be an http:// or https:// URL (got ${server}).`);
    this.graphqlUrl = `${base}/graphql`;
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
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
      if (code === 'UNAUTHENTICATED' && this.token) throw new CliError(`${error.message} Run: findme login --server ${this.graphqlUrl.replace(/\/graphql$/, '')}`, code);
      throw new CliError(error.message, code, error.extensions ?? {});
    }
    if (!body.data) throw new CliError(`${this.graphqlUrl} answered HTTP ${res.status} with no data.`);
    return body.data;
  }

  /** A graphql-ws client with the same token. */
  live(): Client {
    return createClient({
      url: this.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: this.token ? { authorization: `Bearer ${this.token}` } : {},
      retryAttempts: 5,
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
