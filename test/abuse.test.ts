import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  HeartbeatDocument,
  LoginDocument,
  RegisterDocument,
  RequestPasswordResetDocument,
  RequestPhotoUploadsDocument,
  RequestSelfieUploadDocument,
  ResetPasswordDocument,
  JoinEventDocument,
  type HeartbeatSubscription,
} from './generated/graphql.js';
import { newAccount, newEvent } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, TestClock, uniqueEmail, type TestServer } from './support/harness.js';
import { collect } from './support/live.js';

interface RawAnswer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  headers: Headers;
}

async function post(server: TestServer, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : { errors: [{ message: text }] }, headers: res.headers };
}

describe('GraphQL abuse limits', () => {
  let server: TestServer;
  let owner: string;
  let eventId: string;

  before(async () => {
    server = await startTestServer({
      hasher: plainHasher,
      env: {
        GRAPHQL_MAX_DEPTH: '4',
        GRAPHQL_MAX_COST: '50',
        GRAPHQL_MAX_ALIASES: '10',
        GRAPHQL_MAX_DOCUMENT_BYTES: '4096',
        HTTP_MAX_BODY_BYTES: '65536',
        CORS_ORIGINS: 'https://app.findme.test',
      },
    });
    ({ owner, eventId } = await newEvent(server));
  });
  after(() => server.close());

  it('should refuse a query deeper than the limit, naming it, and run one within it', async () => {
    const deep = await post(server, { query: `{ myEvents { edges { node { photographer { id } } } } }` }, { authorization: `Bearer ${owner}` });
    assert.equal(deep.body.errors?.[0]?.extensions?.['code'], 'GRAPHQL_VALIDATION_FAILED');
    assert.match(deep.body.errors![0]!.message, /5 levels deep; the maximum depth is 4/);
    const ok = await post(server, { query: `{ myEvents { edges { node { id } } } }` }, { authorization: `Bearer ${owner}` });
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
  });

  it('should refuse a query costing more than the limit (page sizes multiply) and accept smaller pages', async () => {
    const query = (first: number) => `{ photos(eventId: "${eventId}", first: ${first}) { edges { node { id } } } }`;
    const costly = await post(server, { query: query(100) }, { authorization: `Bearer ${owner}` });
    assert.equal(costly.body.errors?.[0]?.extensions?.['code'], 'GRAPHQL_VALIDATION_FAILED');
    assert.match(costly.body.errors![0]!.message, /would cost 102 points; the maximum cost is 50/);
    const cheap = await post(server, { query: query(10) }, { authorization: `Bearer ${owner}` });
    assert.equal(cheap.body.errors, undefined, JSON.stringify(cheap.body.errors));
  });

  it('should refuse too many aliases', async () => {
    const aliases = Array.from({ length: 11 }, (_, i) => `a${i}: privacyPolicy { version }`).join(' ');
    const res = await post(server, { query: `{ ${aliases} }` });
    assert.equal(res.body.errors?.[0]?.extensions?.['code'], 'GRAPHQL_VALIDATION_FAILED');
    assert.match(res.body.errors![0]!.message, /11 aliases; the maximum is 10/);
  });

  it('should refuse batched operations, oversized documents and oversized bodies with the limit named', async () => {
    const batch = await post(server, [{ query: '{ me { id } }' }, { query: '{ me { id } }' }]);
    assert.equal(batch.status, 400);
    assert.equal(batch.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(batch.body.errors![0]!.message, /one operation per request/);

    const padded = `{ me { id } }${' '.repeat(5000)}`;
    const big = await post(server, { query: padded });
    assert.equal(big.status, 400);
    assert.match(big.body.errors![0]!.message, /maximum document size is 4096 bytes/);

    const huge = await post(server, { query: 'query($x: String) { me { id } }', variables: { x: 'x'.repeat(70_000) } });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(huge.body.errors![0]!.message, /maximum of 65536 bytes/);

    const garbage = await post(server, '{"query": ');
    assert.equal(garbage.status, 400);
    assert.match(garbage.body.errors![0]!.message, /not valid JSON/);
  });

  it('should block cross-site requests (CSRF prevention) and answer CORS only for allowed origins', async () => {
    const simple = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ me { id } }' }) });
    assert.equal(simple.status, 400, 'a form-like POST is refused');
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ privacyPolicy { version } }')}`);
    assert.equal(get.status, 400, 'a GET without a preflight header is refused');
    const allowed = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'https://app.findme.test', 'access-control-request-method': 'POST' } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.findme.test');
    const foreign = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });

  it('should allow introspection in development', async () => {
    const res = await post(server, { query: '{ __schema { queryType { name } } }' });
    assert.deepEqual(res.body.data, { __schema: { queryType: { name: 'Query' } } });
  });
});

describe('production GraphQL surface', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, env: { NODE_ENV: 'production' } });
  });
  after(() => server.close());

  it('should refuse introspection and hide field suggestions by default in production', async () => {
    const intro = await post(server, { query: '{ __schema { queryType { name } } }' });
    assert.equal(intro.body.errors?.[0]?.extensions?.['code'], 'GRAPHQL_VALIDATION_FAILED');
    const typo = await post(server, { query: '{ privacyPolicyy { version } }' });
    assert.equal(typo.body.errors?.[0]?.extensions?.['code'], 'GRAPHQL_VALIDATION_FAILED');
    assert.doesNotMatch(typo.body.errors![0]!.message, /Did you mean/);
  });

  it('should always mark the refresh cookie Secure in production', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-findme-refresh': 'cookie' },
      body: JSON.stringify({ query: 'mutation($i: RegisterInput!) { register(input: $i) { token } }', variables: { i: { email: uniqueEmail('prod'), password: 'long enough password', displayName: 'P', role: 'PARTICIPANT' } } }),
    });
    assert.match(res.headers.get('set-cookie') ?? '', /^findme_refresh=.*;\s*Secure/i);
  });
});

describe('rate limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      hasher: plainHasher,
      worker: true,
      env: {
        REGISTER_MAX_PER_IP: '3',
        PASSWORD_RESET_MAX_PER_IP: '4',
        PASSWORD_RESET_MAX_PER_EMAIL: '2',
        UPLOAD_REQUESTS_MAX_PER_ACCOUNT: '2',
        SELFIE_UPLOADS_MAX_PER_ACCOUNT: '2',
      },
    });
  });
  after(() => server.close());

  const retryAfter = (res: { errors?: readonly { extensions?: Record<string, unknown> }[] | undefined }) => res.errors?.[0]?.extensions?.['retryAfterSeconds'];

  it('should throttle registrations per IP with RATE_LIMITED and a retry hint', async () => {
    const register = () =>
      server.gql(RegisterDocument, { input: { email: uniqueEmail(), password: 'long enough password', displayName: 'X', role: 'PARTICIPANT' } });
    for (let i = 0; i < 3; i++) assert.equal((await register()).errors, undefined);
    const refused = await register();
    assert.equal(errorCode(refused), 'RATE_LIMITED');
    assert.ok(Number(retryAfter(refused)) > 0 && Number(retryAfter(refused)) <= 3600);
    // Another client (X-Forwarded-For is not trusted here, so the socket address counts): still refused.
    assert.equal(errorCode(await server.gql(RegisterDocument, { input: { email: uniqueEmail(), password: 'long enough password', displayName: 'X', role: 'PARTICIPANT' } }, { headers: { 'x-forwarded-for': '203.0.113.9' } })), 'RATE_LIMITED');
  });

  it('should throttle password reset requests per address and per IP, saying nothing about the account', async () => {
    const email = uniqueEmail('ghost');
    assert.equal((await server.gql(RequestPasswordResetDocument, { email })).data?.requestPasswordReset, true);
    assert.equal((await server.gql(RequestPasswordResetDocument, { email })).data?.requestPasswordReset, true);
    const perEmail = await server.gql(RequestPasswordResetDocument, { email });
    assert.equal(errorCode(perEmail), 'RATE_LIMITED', 'third request for one address');
    assert.ok(Number(retryAfter(perEmail)) > 0);
    // Two more addresses make five requests from this IP (limit 4).
    assert.equal((await server.gql(RequestPasswordResetDocument, { email: uniqueEmail('other') })).data?.requestPasswordReset, true);
    const perIp = await server.gql(RequestPasswordResetDocument, { email: uniqueEmail('other') });
    assert.equal(errorCode(perIp), 'RATE_LIMITED');
    await server.mailed();
    assert.equal(server.mailer.sent.length, 0, 'no account exists: nothing was mailed');
  });

  it('should throttle photo upload requests and selfie uploads per account', async () => {
    await server.sql(`delete from rate_limit_buckets`);
    const { owner, eventId, code } = await newEvent(server);
    const files = [{ filename: 'a.jpg', contentType: 'image/jpeg', byteSize: 1000 }];
    for (let i = 0; i < 2; i++) assert.equal((await server.gql(RequestPhotoUploadsDocument, { eventId, files }, { token: owner })).errors, undefined);
    const photos = await server.gql(RequestPhotoUploadsDocument, { eventId, files }, { token: owner });
    assert.equal(errorCode(photos), 'RATE_LIMITED');
    assert.match(photos.errors![0]!.message, /Too many upload requests/);
    const rows = await server.sql<{ n: number }>(`select count(*)::int as n from photos where event_id = ?`, [eventId]);
    assert.equal(rows[0]!.n, 2, 'the refused request created nothing');

    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    const input = { filename: 'me.jpg', contentType: 'image/jpeg', byteSize: 1000 };
    for (let i = 0; i < 2; i++) assert.equal((await server.gql(RequestSelfieUploadDocument, { input }, { token: guest })).errors, undefined);
    const selfie = await server.gql(RequestSelfieUploadDocument, { input }, { token: guest });
    assert.equal(errorCode(selfie), 'RATE_LIMITED');
    assert.ok(Number(retryAfter(selfie)) > 0);
  });
});

describe('graphql-ws limits and session ends', () => {
  let server: TestServer;
  const clock = new TestClock();
  before(async () => {
    server = await startTestServer({
      hasher: plainHasher,
      clock,
      worker: true,
      env: { WS_CONNECTION_INIT_TIMEOUT_MS: '300', WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2', GRAPHQL_MAX_DOCUMENT_BYTES: '2048' },
    });
  });
  after(() => server.close());

  it('should close a socket that never sends connection_init (4408)', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const started = Date.now();
    const code = await new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
    assert.equal(code, 4408);
    assert.ok(Date.now() - started < 3000);
  });

  it('should cap subscriptions per connection and refuse oversized documents', async () => {
    const token = await newAccount(server, 'PARTICIPANT');
    const ws = server.ws({ authorization: `Bearer ${token}` });
    const a = collect<HeartbeatSubscription, { intervalSeconds: number }>(ws, HeartbeatDocument, { intervalSeconds: 60 });
    const b = collect<HeartbeatSubscription, { intervalSeconds: number }>(ws, HeartbeatDocument, { intervalSeconds: 60 });
    await a.until((v) => v.length >= 1);
    await b.until((v) => v.length >= 1);
    const c = collect<HeartbeatSubscription, { intervalSeconds: number }>(ws, HeartbeatDocument, { intervalSeconds: 60 });
    const refused = (await c.failure()) as { message: string; extensions?: { code?: string } }[];
    assert.equal(refused[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(refused[0]!.message, /maximum is 2 per connection/);
    a.dispose();
    await new Promise((r) => setTimeout(r, 100));
    const d = collect<HeartbeatSubscription, { intervalSeconds: number }>(ws, HeartbeatDocument, { intervalSeconds: 60 });
    await d.until((v) => v.length >= 1);

    const padded = await new Promise<unknown>((resolve) => {
      ws.subscribe({ query: `subscription { heartbeat { at } }${' '.repeat(3000)}` }, { next: () => undefined, error: resolve, complete: () => resolve(null) });
    });
    assert.match(JSON.stringify(padded), /maximum document size is 2048 bytes/);
    b.dispose();
    d.dispose();
  });

  it('should close a socket with 4403 when its token expires', async () => {
    // A token issued 898 s ago (default TTL 900 s) has two seconds left.
    clock.advance(-898);
    const email = uniqueEmail();
    const token = (await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName: 'Late', role: 'PARTICIPANT' } })).data!.register.token;
    clock.advance(898);
    const ws = server.ws({ authorization: `Bearer ${token}` });
    const closed = new Promise<number>((resolve) => ws.on('closed', (e) => resolve((e as { code: number }).code)));
    const beats = collect<HeartbeatSubscription, { intervalSeconds: number }>(ws, HeartbeatDocument, { intervalSeconds: 1 });
    await beats.until((v) => v.length >= 1);
    const started = Date.now();
    assert.equal(await closed, 4403);
    assert.ok(Date.now() - started < 4000);
    beats.dispose();
  });

  it('should close the sockets of a user whose password is reset (every session ends)', async () => {
    const email = uniqueEmail();
    const token = (await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName: 'R', role: 'PARTICIPANT' } })).data!.register.token;
    const ws = server.ws({ authorization: `Bearer ${token}` });
    const closed = new Promise<number>((resolve) => ws.on('closed', (e) => resolve((e as { code: number }).code)));
    const beats = collect<HeartbeatSubscription, { intervalSeconds: number }>(ws, HeartbeatDocument, { intervalSeconds: 60 });
    await beats.until((v) => v.length >= 1);
    await server.gql(RequestPasswordResetDocument, { email });
    await server.mailed();
    const resetToken = /token=([\w-]+)/.exec(server.mailer.lastTo(email)!.text)![1]!;
    assert.equal((await server.gql(ResetPasswordDocument, { token: resetToken, newPassword: 'a brand new passphrase' })).data?.resetPassword, true);
    assert.equal(await closed, 4403);
    assert.equal((await server.gql(LoginDocument, { input: { email, password: 'a brand new passphrase' } })).errors, undefined);
    beats.dispose();
  });
});
