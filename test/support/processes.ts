import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { TestServer } from './harness.js';

/** Waits until a `findme serve` child answers /healthz. */
export async function ready(base: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fetch(`${base}/healthz`).then((r) => r.status === 200, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${base} did not become ready`);
}

/** An operation against a `findme serve` child at `base`; its data, or an error with the GraphQL errors. */
export async function gqlAt<R, V>(base: string, doc: TypedDocumentNode<R, V>, variables: V, token?: string): Promise<R> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  const body = (await res.json()) as { data?: R; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** What a `findme serve` or `findme worker` child needs to share a test server's database, files and key. */
export function joinEnv(server: TestServer): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '', DATABASE_URL: server.databaseUrl, DATA_DIR: server.dataDir, SECRET_KEY: server.app.config.auth.secretKey };
}
