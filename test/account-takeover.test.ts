import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ChangePasswordDocument,
  LoginDocument,
  LogoutEverywhereDocument,
  MeDocument,
  RegisterDocument,
  RequestPasswordResetDocument,
  RequestSignInLinkDocument,
  ResetPasswordDocument,
  SignInWithLinkDocument,
  SystemStatusDocument,
} from './generated/graphql.js';
import { MemoryMailer } from '../src/adapters/mailer/memory.mailer.js';
import type { MailMessage } from '../src/ports/mailer.js';
import { errorCode, plainHasher, startTestServer, uniqueEmail, type TestServer } from './support/harness.js';

/** As slow as a remote SMTP server on a bad day: a request that waited for it would show it. */
class SlowMailer extends MemoryMailer {
  override async send(message: MailMessage): Promise<void> {
    await new Promise((r) => setTimeout(r, 400));
    await super.send(message);
  }
}

/**
 * The second audit's account findings: who may become an administrator, an
 * address registered by someone else before its owner, emailed links that
 * outlive what should end them, login CSRF on the sign-in page, and the
 * timing of link requests.
 */
describe('account takeover and admin bootstrap', () => {
  let server: TestServer;
  const ADMIN = 'owner-of-ops@example.test';

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, mailer: new SlowMailer(), env: { ADMIN_EMAILS: ADMIN } });
  });
  after(() => server.close());

  /** The token of the newest link mailed to `email` for `path`. */
  async function mailedToken(email: string, path: '/sign-in' | '/reset-password'): Promise<string> {
    await server.mailed();
    const text = server.mailer.lastTo(email)?.text ?? '';
    const token = new RegExp(`${path}\\?token=([\\w-]+)`).exec(text)?.[1];
    assert.ok(token, `a ${path} link in: ${text}`);
    return token;
  }

  async function signInByLink(email: string) {
    await server.gql(RequestSignInLinkDocument, { email });
    const res = await server.gql(SignInWithLinkDocument, { token: await mailedToken(email, '/sign-in') });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.signInWithLink;
  }

  it('should not make whoever registers an ADMIN_EMAILS address first an administrator; its owner becomes one by following a mailed link', async () => {
    const squatter = (await server.gql(RegisterDocument, { input: { email: ADMIN, displayName: 'Not the operator', role: 'PARTICIPANT' } })).data!.register;
    assert.equal(squatter.user.role, 'PARTICIPANT');
    assert.equal(errorCode(await server.gql(SystemStatusDocument, {}, { token: squatter.token })), 'FORBIDDEN');
    // A restart's promotion of ADMIN_EMAILS skips an address nobody proved.
    assert.equal(await server.app.services(server.app.db.orm.em.fork()).accounts.promoteConfiguredAdmins(), 0);
    assert.equal(errorCode(await server.gql(SystemStatusDocument, {}, { token: squatter.token })), 'FORBIDDEN');

    // The operator reads the mailbox: the link proves the address.
    const owner = await signInByLink(ADMIN);
    assert.equal(owner.user.role, 'ADMIN');
    assert.equal((await server.gql(SystemStatusDocument, {}, { token: owner.token })).errors, undefined);
    assert.equal(errorCode(await server.gql(MeDocument, {}, { token: squatter.token })), 'UNAUTHENTICATED', "the registrant's session ended");
  });

  it("should not let a pre-registrant set a password on someone else's address, nor keep a password or session once its owner signs in by link", async () => {
    const victim = uniqueEmail('victim');
    // Passwordless, then a "first password": refused until the address is proven.
    const first = (await server.gql(RegisterDocument, { input: { email: victim, displayName: 'Victim', role: 'PARTICIPANT' } })).data!.register;
    const set = await server.gql(ChangePasswordDocument, { input: { currentPassword: '', newPassword: 'attacker passphrase' } }, { token: first.token });
    assert.equal(errorCode(set), 'FORBIDDEN');
    assert.equal(set.errors?.[0]?.extensions?.['reason'], 'EMAIL_NOT_VERIFIED');
    assert.match(set.errors![0]!.message, /Confirm your email address first/);
    assert.equal(errorCode(await server.gql(LoginDocument, { input: { email: victim, password: 'attacker passphrase' } })), 'UNAUTHENTICATED', 'no password was set');

    // Registering with a password outright: it works until the owner's first sign-in by link.
    const other = uniqueEmail('victim');
    const raw = async (query: string, variables: Record<string, unknown>, token?: string) =>
      (await (await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) })).json()) as {
        data?: Record<string, any> | null;
        errors?: { extensions?: { code?: string } }[];
      };
    const squatter = (await raw('mutation($i: RegisterInput!) { register(input: $i) { token refreshToken } }', { i: { email: other, password: 'attacker passphrase', displayName: 'Victim', role: 'PARTICIPANT' } })).data!['register'] as {
      token: string;
      refreshToken: string;
    };
    const owner = await signInByLink(other);
    assert.equal(errorCode(await server.gql(LoginDocument, { input: { email: other, password: 'attacker passphrase' } })), 'UNAUTHENTICATED', "the registrant's password is gone");
    assert.equal(errorCode(await server.gql(MeDocument, {}, { token: squatter.token })), 'UNAUTHENTICATED', "the registrant's access token is dead");
    const refreshed = await raw('mutation($r: String!) { refreshSession(refreshToken: $r) { token } }', { r: squatter.refreshToken });
    assert.equal(refreshed.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', "the registrant's refresh token is dead");
    // The owner, proven, chooses their first password; their own session carries on.
    assert.equal((await server.gql(ChangePasswordDocument, { input: { currentPassword: '', newPassword: 'the real passphrase' } }, { token: owner.token })).data?.changePassword, true);
    assert.equal((await server.gql(LoginDocument, { input: { email: other, password: 'the real passphrase' } })).errors, undefined);
    assert.equal((await server.gql(MeDocument, {}, { token: owner.token })).data?.me?.email, other);

    // A later sign-in by link is an ordinary one: the password stays.
    await signInByLink(other);
    assert.equal((await server.gql(LoginDocument, { input: { email: other, password: 'the real passphrase' } })).errors, undefined);
  });

  it('should void sign-in links still in the mailbox when the password is reset or the account signs out everywhere', async () => {
    const email = uniqueEmail('links');
    const account = (await server.gql(RegisterDocument, { input: { email, displayName: 'Mia', role: 'PARTICIPANT' } })).data!.register;
    await server.gql(RequestSignInLinkDocument, { email });
    const beforeReset = await mailedToken(email, '/sign-in');
    await server.gql(RequestPasswordResetDocument, { email });
    const reset = await mailedToken(email, '/reset-password');
    assert.equal((await server.gql(ResetPasswordDocument, { token: reset, newPassword: 'a fresh passphrase' })).data?.resetPassword, true);
    const refused = await server.gql(SignInWithLinkDocument, { token: beforeReset });
    assert.equal(errorCode(refused), 'BAD_USER_INPUT', 'a reset voids the sign-in links');

    const session = (await server.gql(LoginDocument, { input: { email, password: 'a fresh passphrase' } })).data!.login;
    await server.gql(RequestSignInLinkDocument, { email });
    const beforeLogout = await mailedToken(email, '/sign-in');
    assert.equal((await server.gql(LogoutEverywhereDocument, {}, { token: session.token })).data?.logoutEverywhere, true);
    assert.equal(errorCode(await server.gql(SignInWithLinkDocument, { token: beforeLogout })), 'BAD_USER_INPUT', 'signing out everywhere voids them too');
    assert.equal(errorCode(await server.gql(MeDocument, {}, { token: account.token })), 'UNAUTHENTICATED');
  });

  it("should show the account's address on the sign-in page before its button, and no button for a spent link (login CSRF)", async () => {
    const email = uniqueEmail('csrf');
    await server.gql(RegisterDocument, { input: { email, displayName: '<b>Eve</b>', role: 'PARTICIPANT' } });
    await server.gql(RequestSignInLinkDocument, { email });
    const token = await mailedToken(email, '/sign-in');
    const page = await fetch(`${server.baseUrl}/sign-in?token=${token}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    const shown = html.indexOf(email);
    const button = html.indexOf('<button');
    assert.ok(shown > 0 && shown < button, 'the address comes before the button');
    assert.match(html, new RegExp(`<button type="submit">Sign in as ${email.replace(/[.]/g, '\\.')}</button>`));
    // Showing the page spends nothing: a mail scanner's fetch leaves the link working.
    assert.equal((await server.gql(SignInWithLinkDocument, { token })).errors, undefined);
    const spent = await fetch(`${server.baseUrl}/sign-in?token=${token}`);
    assert.equal(spent.status, 404);
    const text = await spent.text();
    assert.ok(!text.includes('<button') && !text.includes(email), 'a spent link names no one and offers nothing to press');
    assert.equal((await fetch(`${server.baseUrl}/sign-in?token=forged`)).status, 404);
  });

  it('should answer a sign-in link request alike for an existing guest and an unknown address (mail leaves the request path)', async () => {
    const existing: string[] = [];
    for (let i = 0; i < 4; i++) {
      const email = uniqueEmail('timing');
      await server.gql(RegisterDocument, { input: { email, displayName: 'T', role: 'PARTICIPANT' } });
      existing.push(email);
    }
    const time = async (email: string) => {
      const started = performance.now();
      assert.equal((await server.gql(RequestSignInLinkDocument, { email })).data?.requestSignInLink, true);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (const email of existing) {
      known.push(await time(email));
      unknown.push(await time(uniqueEmail('nobody')));
    }
    // The mailer takes 400 ms a message: a request that waited for it would take longer than that.
    assert.ok(Math.max(...known) < 300, `existing addresses answered in ${known.map((t) => t.toFixed(0)).join(', ')} ms`);
    assert.ok(Math.max(...unknown) < 300, `unknown addresses answered in ${unknown.map((t) => t.toFixed(0)).join(', ')} ms`);
    // The mail still goes, from the worker.
    await server.mailed();
    for (const email of existing) assert.ok(server.mailer.lastTo(email), `a link was mailed to ${email}`);
  });
});
