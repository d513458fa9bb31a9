import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { LoginDocument, MeDocument, RegisterDocument, RequestPasswordResetDocument } from './generated/graphql.js';
import { errorCode, plainHasher, startTestServer, TestClock, uniqueEmail, type TestServer } from './support/harness.js';

const SIGN_IN = 'mutation($t: String!) { signInWithLink(token: $t) { token refreshToken user { email } } }';
const REQUEST = 'mutation($e: String!) { requestSignInLink(email: $e) }';

/** Guests without passwords: a display name and an email, then single-use sign-in links by email. */
describe('passwordless guests and the pages the emails link to', () => {
  let server: TestServer;
  let browser: Browser;
  const clock = new TestClock();
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, clock, env: { PASSWORD_RESET_MAX_PER_EMAIL: '3' } });
    browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await server.close();
  });

  const raw = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  };
  const linkFor = async (email: string, path: string) => {
    await server.mailed();
    const text = server.mailer.lastTo(email)?.text ?? '';
    const match = new RegExp(`(${server.baseUrl.replace(/[.]/g, '\\.')}${path}\\?token=[\\w-]+)`).exec(text);
    assert.ok(match, `a ${path} link in: ${text}`);
    return match[1]!;
  };

  async function passwordlessGuest(): Promise<string> {
    const email = uniqueEmail('nopw');
    const res = await server.gql(RegisterDocument, { input: { email, displayName: 'Léa', role: 'PARTICIPANT' } });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return email;
  }

  it('should register a guest with a name and an email only, and refuse a photographer without a password', async () => {
    const email = await passwordlessGuest();
    assert.equal(errorCode(await server.gql(LoginDocument, { input: { email, password: '' } })), 'UNAUTHENTICATED', 'no password signs them in');
    const photographer = await server.gql(RegisterDocument, { input: { email: uniqueEmail('ph'), displayName: 'Studio', role: 'PHOTOGRAPHER' } });
    assert.equal(errorCode(photographer), 'BAD_USER_INPUT');
    assert.equal(photographer.errors?.[0]?.extensions?.['field'], 'password');
  });

  it('should sign a guest in once with an emailed link, and not again', async () => {
    const email = await passwordlessGuest();
    assert.equal((await raw(REQUEST, { e: email })).data?.['requestSignInLink'], true);
    const token = new URL(await linkFor(email, '/sign-in')).searchParams.get('token')!;
    const first = await raw(SIGN_IN, { t: token });
    assert.equal(first.errors, undefined);
    assert.equal(first.data!['signInWithLink'].user.email, email);
    assert.ok((await server.gql(MeDocument, {}, { token: first.data!['signInWithLink'].token })).data?.me?.id);
    const again = await raw(SIGN_IN, { t: token });
    assert.equal(again.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(again.errors![0]!.message, /invalid, expired or already used/);
    const stored = await server.sql<{ token_hash: string }>('select token_hash from sign_in_links');
    assert.ok(!stored.some((r) => r.token_hash === token), 'only the hash is stored');
  });

  it('should refuse an expired link, and say nothing about addresses that are not guests', async () => {
    const email = await passwordlessGuest();
    await raw(REQUEST, { e: email });
    const token = new URL(await linkFor(email, '/sign-in')).searchParams.get('token')!;
    clock.advance(16 * 60);
    try {
      assert.equal((await raw(SIGN_IN, { t: token })).errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    } finally {
      clock.advance(-16 * 60);
    }
    const nobody = uniqueEmail('nobody');
    assert.equal((await raw(REQUEST, { e: nobody })).data?.['requestSignInLink'], true);
    await server.mailed();
    assert.equal(server.mailer.lastTo(nobody), undefined);
  });

  it('should throttle sign-in links per address with RATE_LIMITED', async () => {
    const email = await passwordlessGuest();
    for (let i = 0; i < 3; i++) assert.equal((await raw(REQUEST, { e: email })).data?.['requestSignInLink'], true);
    const refused = await raw(REQUEST, { e: email });
    assert.equal(refused.errors?.[0]?.extensions?.['code'], 'RATE_LIMITED');
    assert.ok(Number(refused.errors?.[0]?.extensions?.['retryAfterSeconds']) > 0);
  });

  it('should complete the sign-in in a browser from the emailed link: the token leaves the address bar, the refresh token is an HttpOnly cookie', async () => {
    const email = await passwordlessGuest();
    await raw(REQUEST, { e: email });
    const link = await linkFor(email, '/sign-in');
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const response = await page.goto(link);
    assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    assert.equal(response?.headers()['referrer-policy'], 'no-referrer');
    assert.equal(new URL(page.url()).search, '', 'the token is gone from the address bar');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').getByText('You are signed in as Léa').waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'findme_refresh');
    assert.ok(cookie, 'the refresh cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');

    const second = await context.newPage();
    assert.equal((await second.goto(link))?.status(), 404);
    await second.getByText('This sign-in link is invalid, expired or already used', { exact: false }).waitFor();
    assert.equal(await second.getByRole('button', { name: 'Sign in' }).count(), 0, 'a spent link offers no button');
    assert.deepEqual(errors, [], 'no script error, nothing blocked by the Content-Security-Policy');
    await context.close();
  });

  it('should complete a password reset in a browser from the emailed link', async () => {
    const email = uniqueEmail('reset');
    await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName: 'Tom', role: 'PHOTOGRAPHER' } });
    await server.gql(RequestPasswordResetDocument, { email });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await linkFor(email, '/reset-password'));
    await page.getByLabel('New password (at least 10 characters)').fill('a brand new passphrase');
    await page.getByLabel('The same again').fill('not the same passphrase');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByRole('status').getByText('The two passwords differ').waitFor();
    await page.getByLabel('The same again').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByRole('status').getByText('Your password is changed').waitFor();
    await context.close();
    assert.equal((await server.gql(LoginDocument, { input: { email, password: 'a brand new passphrase' } })).errors, undefined);
  });
});
