import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HeartbeatDocument, MeDocument, type HeartbeatSubscription } from './generated/graphql.js';
import { collect } from './support/live.js';
import { errorCode, plainHasher, startTestServer, TestClock, uniqueEmail, type TestServer } from './support/harness.js';

const PASSWORD = 'long enough password';
const AUTH_FIELDS = 'token expiresAt refreshToken refreshExpiresAt';

interface Pair {
  token: string;
  refreshToken: string | null;
  refreshExpiresAt: string;
}

/**
 * Sessions that last: short access tokens, rotating single-use refresh tokens
 * (stored hashed; a reused one ends its whole family), logout of one device or
 * of all, the HttpOnly cookie for the web app, over HTTP and graphql-ws.
 */
describe('sessions: refresh, rotation, reuse detection, logout', () => {
  let server: TestServer;
  const clock = new TestClock();
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, clock, env: { CORS_ORIGINS: 'https://app.example.test' } });
  });
  after(() => server.close());

  /** A raw POST to /graphql, with the response's headers. */
  async function post(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };
    return { res, body, code: body.errors?.[0]?.extensions?.code };
  }

  async function signUp(headers: Record<string, string> = {}): Promise<{ email: string; pair: Pair; res: Response }> {
    const email = uniqueEmail('s');
    const { res, body } = await post(
      `mutation($i: RegisterInput!) { register(input: $i) { ${AUTH_FIELDS} } }`,
      { i: { email, password: PASSWORD, displayName: 'Sam', role: 'PARTICIPANT' } },
      headers,
    );
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return { email, pair: body.data!['register'] as Pair, res };
  }

  const refresh = (refreshToken: string | null, headers: Record<string, string> = {}) =>
    post(`mutation($r: String) { refreshSession(refreshToken: $r) { ${AUTH_FIELDS} } }`, { r: refreshToken }, headers);
  const me = async (token: string) => server.gql(MeDocument, {}, { token });

  it('should give a short access token and a 30-day refresh token, and rotate the refresh token on each use', async () => {
    const { pair } = await signUp();
    assert.ok(pair.refreshToken && pair.refreshToken.length >= 40);
    const days = (Date.parse(pair.refreshExpiresAt) - clock.now().getTime()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `refresh token lasts 30 days (${days})`);

    const first = await refresh(pair.refreshToken);
    assert.equal(first.body.errors, undefined);
    const next = first.body.data!['refreshSession'] as Pair;
    assert.notEqual(next.refreshToken, pair.refreshToken);
    assert.ok((await me(next.token)).data?.me?.id);
    const second = await refresh(next.refreshToken);
    assert.equal(second.body.errors, undefined, 'the new refresh token works once');

    const stored = await server.sql<{ token_hash: string }>('select token_hash from refresh_tokens');
    assert.ok(!stored.some((r) => r.token_hash === pair.refreshToken || r.token_hash === next.refreshToken), 'only hashes are stored');
  });

  it('should end the whole family when a spent refresh token comes back: its successors and their access tokens stop working', async () => {
    const { pair } = await signUp();
    const stolen = pair.refreshToken!;
    const rotated = (await refresh(stolen)).body.data!['refreshSession'] as Pair;
    assert.ok((await me(rotated.token)).data?.me?.id);

    const replay = await refresh(stolen);
    assert.equal(replay.code, 'UNAUTHENTICATED');
    assert.match(replay.body.errors![0]!.message, /sign in again/);
    assert.equal((await refresh(rotated.refreshToken)).code, 'UNAUTHENTICATED', 'the legitimate successor is revoked too');
    assert.equal(errorCode(await me(rotated.token)), 'UNAUTHENTICATED', 'so is the access token issued with it');
  });

  it('should refuse a refresh token that was never issued, and one past its 30 days', async () => {
    assert.equal((await refresh('x'.repeat(43))).code, 'UNAUTHENTICATED');
    const { pair } = await signUp();
    clock.advance(31 * 86_400);
    try {
      const late = await refresh(pair.refreshToken);
      assert.equal(late.code, 'UNAUTHENTICATED');
      assert.match(late.body.errors![0]!.message, /expired/);
    } finally {
      clock.advance(-31 * 86_400);
    }
  });

  it('should sign one device out with logout: its tokens stop, the other device and its socket stay', async () => {
    const { email } = await signUp();
    const login = async () =>
      (await post(`mutation($i: LoginInput!) { login(input: $i) { ${AUTH_FIELDS} } }`, { i: { email, password: PASSWORD } })).body.data!['login'] as Pair;
    const phone = await login();
    const laptop = await login();
    const phoneWs = server.ws({ authorization: `Bearer ${phone.token}` });
    const laptopWs = server.ws({ authorization: `Bearer ${laptop.token}` });
    const phoneClosed = new Promise<number>((resolve) => phoneWs.on('closed', (e) => resolve((e as { code: number }).code)));
    let laptopClosed = false;
    laptopWs.on('closed', () => (laptopClosed = true));
    const phoneBeats = collect<HeartbeatSubscription, { intervalSeconds: number }>(phoneWs, HeartbeatDocument, { intervalSeconds: 60 });
    const laptopBeats = collect<HeartbeatSubscription, { intervalSeconds: number }>(laptopWs, HeartbeatDocument, { intervalSeconds: 60 });
    await phoneBeats.until((v) => v.length >= 1);
    await laptopBeats.until((v) => v.length >= 1);

    const out = await post('mutation { logout }', {}, { authorization: `Bearer ${phone.token}` });
    assert.equal(out.body.data?.['logout'], true);
    assert.equal(await phoneClosed, 4403, "the phone's socket is closed with 4403");
    assert.equal(errorCode(await me(phone.token)), 'UNAUTHENTICATED');
    assert.equal((await refresh(phone.refreshToken)).code, 'UNAUTHENTICATED');

    assert.ok((await me(laptop.token)).data?.me?.id, 'the laptop is still signed in');
    assert.equal((await refresh(laptop.refreshToken)).body.errors, undefined);
    assert.equal(laptopClosed, false);
    phoneBeats.dispose();
    laptopBeats.dispose();
  });

  it('should sign every device out with logoutEverywhere', async () => {
    const { email, pair: first } = await signUp();
    const second = (await post(`mutation($i: LoginInput!) { login(input: $i) { ${AUTH_FIELDS} } }`, { i: { email, password: PASSWORD } })).body.data!['login'] as Pair;
    const ws = server.ws({ authorization: `Bearer ${first.token}` });
    const closed = new Promise<number>((resolve) => ws.on('closed', (e) => resolve((e as { code: number }).code)));
    const beats = collect<HeartbeatSubscription, { intervalSeconds: number }>(ws, HeartbeatDocument, { intervalSeconds: 60 });
    await beats.until((v) => v.length >= 1);

    assert.equal((await post('mutation { logoutEverywhere }', {}, { authorization: `Bearer ${second.token}` })).body.data?.['logoutEverywhere'], true);
    assert.equal(await closed, 4403);
    for (const pair of [first, second]) {
      assert.equal(errorCode(await me(pair.token)), 'UNAUTHENTICATED');
      assert.equal((await refresh(pair.refreshToken)).code, 'UNAUTHENTICATED');
    }
    assert.equal((await post('mutation { logoutEverywhere }')).code, 'UNAUTHENTICATED', 'anonymous callers have nothing to sign out');
    beats.dispose();
  });

  it('should keep the refresh token in an HttpOnly, SameSite=Strict cookie when the web app asks, never in the body (Secure over https)', async () => {
    const { pair, res } = await signUp({ 'x-findme-refresh': 'cookie' });
    assert.equal(pair.refreshToken, null);
    const setCookie = res.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^findme_refresh=[\w-]{40,};/);
    for (const attribute of [/HttpOnly/i, /SameSite=Strict/i, /Path=\/graphql/i, /Expires=/i]) assert.match(setCookie, attribute);
    // Plain http (a zero-config server reached at its network address): a Secure cookie would be dropped by the phone.
    assert.doesNotMatch(setCookie, /;\s*Secure/i);
    const cookie = setCookie.split(';')[0]!;

    const renewed = await refresh(null, { cookie, 'x-findme-refresh': 'cookie' });
    assert.equal(renewed.body.errors, undefined, JSON.stringify(renewed.body.errors));
    assert.equal((renewed.body.data!['refreshSession'] as Pair).refreshToken, null);
    const nextCookie = (renewed.res.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.notEqual(nextCookie, cookie, 'the cookie rotates');
    assert.equal((await refresh(null, { cookie })).code, 'UNAUTHENTICATED', 'the spent cookie ends the session');
    assert.match((await refresh(null, { cookie })).res.headers.get('set-cookie') ?? '', /findme_refresh=;.*Expires=Thu, 01 Jan 1970/, 'and is cleared');
    assert.equal((await refresh(null)).code, 'UNAUTHENTICATED', 'no argument and no cookie');
  });

  it('should hold CSRF with the cookie: a simple cross-site POST is refused before the mutation runs, and logout clears the cookie', async () => {
    const { res } = await signUp({ 'x-findme-refresh': 'cookie' });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    // What a form on another site can send: text/plain, no preflight.
    const forged = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', cookie, origin: 'https://evil.example' },
      body: JSON.stringify({ query: 'mutation { refreshSession { token } }' }),
    });
    assert.equal(forged.status, 400);
    assert.equal(forged.headers.get('set-cookie'), null);
    const preflight = await fetch(server.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-findme-refresh' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.test');
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    const evil = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);

    const out = await post('mutation { logout }', {}, { cookie });
    assert.equal(out.body.data?.['logout'], true);
    assert.match(out.res.headers.get('set-cookie') ?? '', /findme_refresh=;/);
    assert.equal((await refresh(null, { cookie })).code, 'UNAUTHENTICATED', 'the session behind the cookie is over');
  });
});
