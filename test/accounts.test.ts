import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import {
  LoginDocument,
  SystemStatusDocument,
  MeDocument,
  RegisterDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
} from './generated/graphql.js';
import { errorCode, startTestServer, TestClock, uniqueEmail, type TestServer } from './support/harness.js';

const PASSWORD = 'correct horse battery';

describe('accounts', () => {
  let server: TestServer;
  const clock = new TestClock();

  before(async () => {
    server = await startTestServer({
      clock,
      worker: true,
      env: { ADMIN_EMAILS: 'boss@example.test', LOGIN_MAX_FAILURES_PER_EMAIL: '3', LOGIN_MAX_FAILURES_PER_IP: '8' },
    });
  });
  after(() => server.close());

  async function register(role: 'PARTICIPANT' | 'PHOTOGRAPHER' = 'PARTICIPANT', email = uniqueEmail()) {
    const res = await server.gql(RegisterDocument, { input: { email, password: PASSWORD, displayName: 'Guest', role } });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.register;
  }

  it('should register, return a working token, and answer me with the account', async () => {
    const email = uniqueEmail('Mixed.Case');
    const { token, user, expiresAt } = await register('PHOTOGRAPHER', email);
    assert.equal(user.email, email.toLowerCase());
    assert.equal(user.role, 'PHOTOGRAPHER');
    assert.ok(new Date(expiresAt).getTime() > Date.now());
    const me = await server.gql(MeDocument, {}, { token });
    assert.deepEqual(me.data?.me, { id: user.id, email: email.toLowerCase(), displayName: 'Guest', role: 'PHOTOGRAPHER' });
  });

  it('should hash passwords with argon2id and never store them in clear', async () => {
    const { user } = await register();
    const [row] = await server.sql<{ password_hash: string }>('select password_hash from users where id = ?', [user.id]);
    assert.match(row!.password_hash, /^\$argon2id\$/);
    assert.ok(!row!.password_hash.includes(PASSWORD));
  });

  it('should refuse a second account with the same email in another case with CONFLICT', async () => {
    const email = uniqueEmail('dup');
    await register('PARTICIPANT', email);
    const res = await server.gql(RegisterDocument, {
      input: { email: email.toUpperCase(), password: PASSWORD, displayName: 'Again', role: 'PARTICIPANT' },
    });
    assert.equal(errorCode(res), 'CONFLICT');
    assert.equal(res.errors?.[0]?.extensions?.['field'], 'email');
  });

  it('should name the offending field on invalid input', async () => {
    const cases = [
      [{ email: 'not-an-email', password: PASSWORD, displayName: 'X' }, 'email'],
      [{ email: uniqueEmail(), password: 'short', displayName: 'X' }, 'password'],
      [{ email: uniqueEmail(), password: PASSWORD, displayName: '   ' }, 'displayName'],
    ] as const;
    for (const [input, field] of cases) {
      const res = await server.gql(RegisterDocument, { input: { ...input, role: 'PARTICIPANT' } });
      assert.equal(errorCode(res), 'BAD_USER_INPUT', field);
      assert.equal(res.errors?.[0]?.extensions?.['field'], field);
      assert.match(res.errors![0]!.message, new RegExp(`^${field}:`));
    }
  });

  it('should refuse to register an ADMIN, and make an ADMIN_EMAILS address an administrator only once its owner proves it', async () => {
    // The schema offers no ADMIN to register with (RegistrationRole): refused before any resolver runs.
    const res = await server.gql(RegisterDocument, {
      input: { email: uniqueEmail(), password: PASSWORD, displayName: 'X', role: 'ADMIN' as never },
    });
    assert.equal(errorCode(res), 'BAD_USER_INPUT');
    assert.match(res.errors?.[0]?.message ?? '', /"ADMIN" does not exist in "RegistrationRole" enum/);
    const boss = await register('PHOTOGRAPHER', 'Boss@Example.test');
    assert.equal(boss.user.role, 'PHOTOGRAPHER', 'typing a listed address proves nothing');
    assert.equal(errorCode(await server.gql(SystemStatusDocument, {}, { token: boss.token })), 'FORBIDDEN');
    // The owner of the mailbox proves it with the reset link mailed there.
    await server.gql(RequestPasswordResetDocument, { email: 'boss@example.test' });
    await server.mailed();
    const token = /token=([\w-]+)/.exec(server.mailer.lastTo('boss@example.test')!.text)![1]!;
    assert.equal((await server.gql(ResetPasswordDocument, { token, newPassword: 'the boss passphrase' })).data?.resetPassword, true);
    const login = await server.gql(LoginDocument, { input: { email: 'boss@example.test', password: 'the boss passphrase' } });
    assert.equal(login.data?.login.user.role, 'ADMIN');
    assert.equal(errorCode(await server.gql(MeDocument, {}, { token: boss.token })), 'UNAUTHENTICATED', 'the sessions from before the proof ended');
  });

  it('should reject an unknown enum value as a validation error before any resolver runs', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation { register(input: {email: "a@b.co", password: "xxxxxxxxxxxx", displayName: "A", role: KING}) { token } }',
      }),
    });
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    assert.equal(body.errors[0]?.extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('should log in with the right password whatever the email case, and refuse a wrong one', async () => {
    const email = uniqueEmail('login');
    const { user } = await register('PARTICIPANT', email);
    const ok = await server.gql(LoginDocument, { input: { email: email.toUpperCase(), password: PASSWORD } });
    assert.equal(ok.data?.login.user.id, user.id);
    const bad = await server.gql(LoginDocument, { input: { email, password: 'wrong password!' } });
    assert.equal(errorCode(bad), 'UNAUTHENTICATED');
    assert.equal(bad.errors?.[0]?.message, 'Wrong email or password.');
    const unknown = await server.gql(LoginDocument, { input: { email: uniqueEmail('nobody'), password: PASSWORD } });
    assert.equal(unknown.errors?.[0]?.message, 'Wrong email or password.', 'an unknown email reads like a wrong password');
  });

  it('should throttle failed logins per email with RATE_LIMITED and a retry hint, even for the right password', async () => {
    const email = uniqueEmail('throttle');
    await register('PARTICIPANT', email);
    for (let i = 0; i < 3; i++) {
      const res = await server.gql(LoginDocument, { input: { email, password: 'wrong password!' } });
      assert.equal(errorCode(res), 'UNAUTHENTICATED');
    }
    const blocked = await server.gql(LoginDocument, { input: { email, password: PASSWORD } });
    assert.equal(errorCode(blocked), 'RATE_LIMITED');
    const retry = blocked.errors?.[0]?.extensions?.['retryAfterSeconds'];
    assert.ok(typeof retry === 'number' && retry > 0 && retry <= 900, `retryAfterSeconds=${String(retry)}`);
    // Another account from the same IP is not locked out by this one.
    const other = uniqueEmail('other');
    await register('PARTICIPANT', other);
    const fine = await server.gql(LoginDocument, { input: { email: other, password: PASSWORD } });
    assert.equal(fine.errors, undefined);
  });

  it('should throttle failed logins per IP across many emails', async () => {
    // LOGIN_MAX_FAILURES_PER_IP is 8; earlier tests of this file used some of it.
    let limited = false;
    for (let i = 0; i < 10 && !limited; i++) {
      const res = await server.gql(LoginDocument, { input: { email: uniqueEmail('spray'), password: 'wrong password!' } });
      limited = errorCode(res) === 'RATE_LIMITED';
    }
    assert.ok(limited, 'expected RATE_LIMITED after spraying many emails from one IP');
    // The window passes: attempts are accepted again.
    clock.advance(901);
    await server.sql(`update rate_limit_buckets set reset_at = now() - interval '1 second'`);
    const res = await server.gql(LoginDocument, { input: { email: uniqueEmail('later'), password: 'wrong password!' } });
    assert.equal(errorCode(res), 'UNAUTHENTICATED');
  });

  it('should answer me with UNAUTHENTICATED for tampered, foreign, expired and malformed tokens', async () => {
    const { token, user } = await register();
    const [head, payload, sig] = token.split('.');
    const tampered = `${head}.${Buffer.from(JSON.stringify({ sub: user.id, ver: 0, iss: 'findme', exp: 9999999999 })).toString('base64url')}.${sig}`;
    const foreign = await new SignJWT({ ver: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('findme')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-key-that-is-long-enough'));
    for (const bad of [tampered, foreign, 'garbage', `${head}.${payload}.`]) {
      const res = await server.gql(MeDocument, {}, { token: bad });
      assert.equal(errorCode(res), 'UNAUTHENTICATED', bad);
      assert.equal(res.data?.me ?? null, null);
    }
    const old = await new SignJWT({ ver: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('findme')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(server.app.config.auth.secretKey));
    const res = await server.gql(MeDocument, {}, { token: old });
    assert.equal(errorCode(res), 'UNAUTHENTICATED');
    assert.match(res.errors![0]!.message, /expired/);
    const anonymous = await server.gql(MeDocument, {});
    assert.equal(anonymous.errors, undefined);
    assert.equal(anonymous.data?.me, null);
  });

  it('should reset a password end to end: mail, single use, old sessions revoked, old password refused', async () => {
    const email = uniqueEmail('reset');
    const { token: oldSession } = await register('PARTICIPANT', email);
    // Used once, so the server has it among the sessions it verified lately.
    assert.equal((await server.gql(MeDocument, {}, { token: oldSession })).data?.me?.email, email);
    const asked = await server.gql(RequestPasswordResetDocument, { email: email.toUpperCase() });
    assert.equal(asked.data?.requestPasswordReset, true);
    await server.mailed();
    const mail = server.mailer.lastTo(email);
    assert.ok(mail, 'a reset mail was sent');
    const resetToken = /token=([\w-]+)/.exec(mail.text)?.[1];
    assert.ok(resetToken);
    const stored = await server.sql<{ token_hash: string }>('select token_hash from password_reset_tokens');
    assert.ok(stored.every((r) => r.token_hash !== resetToken), 'only a hash is stored');

    const newPassword = 'a brand new passphrase';
    const done = await server.gql(ResetPasswordDocument, { token: resetToken, newPassword });
    assert.equal(done.data?.resetPassword, true);
    const again = await server.gql(ResetPasswordDocument, { token: resetToken, newPassword: 'yet another passphrase' });
    assert.equal(errorCode(again), 'BAD_USER_INPUT');
    assert.equal(again.errors?.[0]?.extensions?.['field'], 'token');

    assert.equal(errorCode(await server.gql(MeDocument, {}, { token: oldSession })), 'UNAUTHENTICATED');
    assert.equal(errorCode(await server.gql(LoginDocument, { input: { email, password: PASSWORD } })), 'UNAUTHENTICATED');
    const login = await server.gql(LoginDocument, { input: { email, password: newPassword } });
    assert.equal(login.errors, undefined);
  });

  it('should refuse an expired reset token', async () => {
    const email = uniqueEmail('expire');
    await register('PARTICIPANT', email);
    await server.gql(RequestPasswordResetDocument, { email });
    await server.mailed();
    const resetToken = /token=([\w-]+)/.exec(server.mailer.lastTo(email)!.text)![1]!;
    clock.advance(31 * 60);
    const res = await server.gql(ResetPasswordDocument, { token: resetToken, newPassword: 'too late passphrase' });
    assert.equal(errorCode(res), 'BAD_USER_INPUT');
  });

  it('should answer true for an unknown email and send nothing', async () => {
    const before = server.mailer.sent.length;
    const res = await server.gql(RequestPasswordResetDocument, { email: uniqueEmail('ghost') });
    assert.equal(res.data?.requestPasswordReset, true);
    const invalid = await server.gql(RequestPasswordResetDocument, { email: 'not an email' });
    assert.equal(invalid.data?.requestPasswordReset, true);
    await server.mailed();
    assert.equal(server.mailer.sent.length, before);
  });
});
