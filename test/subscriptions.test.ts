import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import type { FormattedExecutionResult } from 'graphql';
import { print } from 'graphql';
import { HeartbeatDocument, RegisterDocument, type HeartbeatSubscription } from './generated/graphql.js';
import { plainHasher, startTestServer, uniqueEmail, type TestServer } from './support/harness.js';

/** Subscribes and resolves with the first result, or rejects with the error/close event. */
function first(client: Client, variables: Record<string, unknown>): Promise<FormattedExecutionResult<HeartbeatSubscription, unknown>> {
  return new Promise((resolve, reject) => {
    const dispose = client.subscribe<HeartbeatSubscription>(
      { query: print(HeartbeatDocument), variables },
      {
        next: (value) => {
          dispose();
          resolve(value);
        },
        error: reject,
        complete: () => undefined,
      },
    );
  });
}

describe('graphql-ws', () => {
  let server: TestServer;
  let token: string;
  let email: string;

  before(async () => {
    server = await startTestServer({ hasher: plainHasher });
    email = uniqueEmail('ws');
    const res = await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName: 'Sub', role: 'PARTICIPANT' } });
    token = res.data!.register.token;
  });
  after(() => server.close());

  it('should authenticate a subscription with the token from connection_init', async () => {
    const client = server.ws({ authorization: `Bearer ${token}` });
    const result = await first(client, { intervalSeconds: 1 });
    assert.equal(result.errors, undefined);
    assert.equal(result.data?.heartbeat.user.email, email);
    assert.ok(new Date(result.data!.heartbeat.tokenExpiresAt).getTime() > Date.now());
  });

  it('should keep emitting heartbeats at the requested interval', async () => {
    const client = server.ws({ authorization: `Bearer ${token}` });
    const times: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const dispose = client.subscribe(
        { query: print(HeartbeatDocument), variables: { intervalSeconds: 1 } },
        {
          next: () => {
            times.push(Date.now());
            if (times.length === 2) {
              dispose();
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    assert.ok(times[1]! - times[0]! >= 900, 'the second beat came about a second later');
  });

  it('should refuse an anonymous subscription with UNAUTHENTICATED', async () => {
    const client = server.ws();
    const outcome = await first(client, {}).then(
      (r) => r.errors,
      (e: unknown) => e,
    );
    const errors = outcome as { extensions?: { code?: string } }[];
    assert.ok(Array.isArray(errors), `expected GraphQL errors, got ${JSON.stringify(outcome)}`);
    assert.equal(errors[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  it('should validate subscription arguments with BAD_USER_INPUT', async () => {
    const client = server.ws({ authorization: `Bearer ${token}` });
    const outcome = await first(client, { intervalSeconds: 0 }).then(
      (r) => r.errors,
      (e: unknown) => e,
    );
    const errors = outcome as { extensions?: { code?: string; field?: string } }[];
    assert.equal(errors[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(errors[0]?.extensions?.field, 'intervalSeconds');
  });

  it('should close the socket with 4403 when the token is not valid', async () => {
    const client = server.ws({ authorization: 'Bearer not-a-token' });
    const closed = await first(client, {}).then(
      () => null,
      (e: unknown) => e as { code?: number },
    );
    assert.equal(closed?.code, 4403);
  });
});
