import { createHash, randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException, wrap, type EntityData, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import type { SessionCache } from './session-cache.js';
import type { Logger } from 'pino';
import { AuthSession, PasswordResetToken, RefreshToken, Role, SignInLink, User } from '../domain/entities/index.js';
import { BadUserInputError, ConflictError, DomainError, UnauthenticatedError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { EmailedLink, JobQueue } from '../ports/job-queue.js';
import type { Mailer } from '../ports/mailer.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { TokenIssuer } from '../ports/token-issuer.js';
import { quotaKeys, type Throttle } from './throttle.js';
import { normalizeEmail, requireText, validatePassword } from './validation.js';
import type { AppConfig } from '../config/config.js';

/** The configuration slices accounts need, as loaded (no copy of their fields). */
export interface AccountSettings {
  auth: Pick<AppConfig['auth'], 'adminEmails' | 'passwordResetTtlSeconds' | 'refreshTtlSeconds' | 'signInLinkTtlSeconds'>;
  rateLimits: AppConfig['rateLimits'];
  /** Base URL of the links in mails (known once the server listens when PORT=0). */
  publicUrl: () => string;
}

export interface RegisterCommand {
  email: string;
  /** Optional for guests, who may sign in with emailed links instead; photographers need one. */
  password?: string | null | undefined;
  displayName: string;
  role: Role;
}

export interface Session {
  token: string;
  expiresAt: Date;
  user: User;
  /** Exchanged for a new pair by `refreshSession`; single use. */
  refreshToken: string;
  refreshExpiresAt: Date;
}

/** Why a presented token did not authenticate anyone. */
export type AuthFailure = 'expired' | 'invalid' | 'revoked';

export type Authentication = { user: User; expiresAt: Date; sessionId: string | null } | { failure: AuthFailure };

const SESSION_OVER = 'This session is no longer valid; sign in again.';

/** Accounts: registration, login, sessions, password reset, admins. */
export class AccountService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: {
      hasher: PasswordHasher;
      tokens: TokenIssuer;
      limiter: RateLimiter;
      throttle: Throttle;
      bus: EventBus;
      mailer: Mailer;
      /** Emailed links are written and sent by a job, off the request path. */
      queue: JobQueue;
      clock: Clock;
      logger: Logger;
      settings: AccountSettings;
      /** Tokens verified lately in this process (none: every request looks the account up). */
      sessions?: SessionCache;
    },
  ) {}

  /** Creates an account; registrations are throttled per IP. */
  async register(command: RegisterCommand, ip: string): Promise<Session> {
    const { settings } = this.deps;
    await this.deps.throttle.consume(
      'register',
      [{ key: quotaKeys.registerIp(ip), max: settings.rateLimits.registrationsPerIp, windowSeconds: settings.rateLimits.registrationWindowSeconds }],
      (s) => `Too many accounts created from your network. Try again in ${s} seconds.`,
    );
    const email = normalizeEmail(command.email);
    const displayName = requireText(command.displayName, 'displayName', 80);
    if (command.role === Role.ADMIN) {
      throw new BadUserInputError('role', 'role: choose PARTICIPANT or PHOTOGRAPHER; administrators are appointed by the operator.');
    }
    const passwordless = command.password === undefined || command.password === null;
    if (passwordless && command.role !== Role.PARTICIPANT) {
      throw new BadUserInputError('password', 'password: photographers need a password (at least 10 characters).');
    }
    const password = passwordless ? null : validatePassword(command.password!);
    // Even an address listed in ADMIN_EMAILS registers as what it asked to be: the role
    // comes once its owner proves the address (see `proveAddress`), never from typing it.
    const role = command.role;
    const user = this.em.create(User, {
      email,
      displayName,
      role,
      passwordHash: password === null ? null : await this.deps.hasher.hash(password),
    });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError('An account with this email already exists.', { field: 'email' });
      }
      throw err;
    }
    this.deps.logger.info({ userId: user.id, role }, 'account registered');
    return this.startSession(user);
  }

  /**
   * Checks the password. Failures count against the email and the client IP;
   * past either limit, attempts are refused without checking the password.
   */
  async login(emailInput: string, password: string, ip: string): Promise<Session> {
    const email = normalizeEmail(emailInput);
    const attempt = await this.reservePasswordCheck(email, ip, (s) => `Too many failed logins. Try again in ${s} seconds.`);
    const user = await this.em.findOne(User, { email }, { populate: ['passwordHash'] });
    // An unknown address costs the same hash check as a wrong password: timing tells nothing.
    const verified = await this.deps.hasher.verify(user?.passwordHash ?? (await dummyHash(this.deps.hasher)), password);
    if (!verified || !user || !user.active) {
      this.deps.logger.info({ ip }, 'login failed');
      throw new DomainError('UNAUTHENTICATED', 'Wrong email or password.');
    }
    await attempt.succeeded();
    return this.startSession(user);
  }

  /** Resolves a bearer token to an active user, or says why it cannot. */
  async authenticate(token: string): Promise<Authentication> {
    const now = this.deps.clock.now().getTime();
    const cached = this.deps.sessions?.get(token, now);
    // A token verified a moment ago: its account, managed by this unit of work, without a query.
    if (cached) return { user: this.em.merge(User, cached.user), expiresAt: cached.expiresAt, sessionId: cached.sessionId };
    const check = await this.deps.tokens.verify(token);
    if (!check.ok) return { failure: check.reason };
    const { userId, version, sessionId } = check.claims;
    const [user, device] = await Promise.all([
      this.em.findOne(User, { id: userId }),
      sessionId ? this.em.findOne(AuthSession, { id: sessionId, user: userId, revokedAt: null }, { fields: ['id'] }) : null,
    ]);
    if (!user || !user.active || user.tokenVersion !== version || (sessionId && !device)) return { failure: 'revoked' };
    this.deps.sessions?.set(token, wrap(user).toObject() as EntityData<User> & { id: string }, check.expiresAt, now, sessionId ?? null);
    return { user, expiresAt: check.expiresAt, sessionId: sessionId ?? null };
  }

  /**
   * Exchanges a refresh token for a new access token and a new refresh token
   * (rotation). A refresh token is single use: presenting a spent one again
   * means it was copied, so its whole session (every token of the family) ends.
   */
  async refresh(refreshToken: string): Promise<Session> {
    const now = this.deps.clock.now();
    const record = await this.em.findOne(RefreshToken, { tokenHash: sha256(refreshToken.trim()) }, { populate: ['session', 'session.user'] });
    const device = record?.session.getEntity();
    const user = device?.user.getEntity();
    if (!record || !device || !user || !user.active || device.revokedAt) throw new UnauthenticatedError(SESSION_OVER);
    if (record.usedAt) {
      await this.revokeSessions(user.id, device.id, 'refresh token reused');
      throw new UnauthenticatedError(SESSION_OVER);
    }
    if (record.expiresAt <= now) throw new UnauthenticatedError('Your session has expired; sign in again.');
    // Spent in one guarded statement: of two racing refreshes with one token, the second is a reuse.
    const spent = await this.em.nativeUpdate(RefreshToken, { id: record.id, usedAt: null }, { usedAt: now });
    if (spent === 0) {
      await this.revokeSessions(user.id, device.id, 'refresh token reused');
      throw new UnauthenticatedError(SESSION_OVER);
    }
    return this.issue(user, device);
  }

  /** Ends one signed-in device: its refresh tokens and its access tokens stop working. */
  async logout(sessionIds: string[], userId?: string): Promise<void> {
    const ids = [...new Set(sessionIds)];
    if (ids.length === 0) return;
    const sessions = await this.em.find(AuthSession, { id: { $in: ids }, revokedAt: null, ...(userId ? { user: userId } : {}) });
    for (const device of sessions) await this.revokeSessions(device.user.id, device.id, 'signed out');
  }

  /** The session a refresh token belongs to (logging out with only the cookie), or null. */
  async sessionOfRefreshToken(refreshToken: string): Promise<string | null> {
    const record = await this.em.findOne(RefreshToken, { tokenHash: sha256(refreshToken.trim()) }, { fields: ['session'] });
    return record?.session.id ?? null;
  }

  /** Ends every session of the user, on every device: tokens issued before now stop working. */
  async logoutEverywhere(user: User): Promise<void> {
    await this.endEverySession(user, 'signed out everywhere');
  }

  /**
   * The one way every session of an account ends: access tokens (their
   * version), refresh tokens (their devices), ZIP links (both) and the sign-in
   * and reset links still in a mailbox all stop working; open sockets close.
   */
  private async endEverySession(user: User, reason: string): Promise<void> {
    await this.voidCredentials(this.em, user);
    await this.sessionsEnded(user, reason);
  }

  /** The database side of ending every session, on `em` (a caller's transaction, when it has one). */
  private async voidCredentials(em: EntityManager, user: User): Promise<void> {
    const now = this.deps.clock.now();
    await em.nativeUpdate(User, { id: user.id }, { tokenVersion: user.tokenVersion + 1 });
    user.tokenVersion += 1;
    await em.nativeUpdate(SignInLink, { user: user.id, usedAt: null }, { usedAt: now });
    await em.nativeUpdate(PasswordResetToken, { user: user.id, usedAt: null }, { usedAt: now });
    await em.nativeUpdate(AuthSession, { user: user.id, revokedAt: null }, { revokedAt: now });
  }

  /** Once the credentials are void: every process forgets the user's tokens and closes their sockets. */
  private async sessionsEnded(user: User, reason: string): Promise<void> {
    this.deps.sessions?.forgetUser(user.id);
    await this.deps.bus.publish('sessions.revoked', { userId: user.id });
    this.deps.logger.info({ userId: user.id, reason }, 'every session ended');
  }

  /**
   * The owner of the address has shown they read its mail. An address listed
   * in ADMIN_EMAILS becomes an administrator now. Returns true the first time:
   * the account may have been registered by someone else, and a first sign-in
   * by link (`clearPassword`) removes the password whoever registered chose.
   */
  private async proveAddress(user: User, how: string, clearPassword: boolean): Promise<boolean> {
    const first = !user.emailVerifiedAt;
    if (first) {
      const now = this.deps.clock.now();
      await this.em.nativeUpdate(User, { id: user.id }, { emailVerifiedAt: now, ...(clearPassword ? { passwordHash: null } : {}) });
      user.emailVerifiedAt = now;
      this.deps.logger.info({ userId: user.id, how, passwordCleared: clearPassword }, 'email address verified');
    }
    if (this.deps.settings.auth.adminEmails.includes(user.email) && user.role !== Role.ADMIN) {
      await this.em.nativeUpdate(User, { id: user.id }, { role: Role.ADMIN });
      user.role = Role.ADMIN;
      this.deps.sessions?.forgetUser(user.id);
      this.deps.logger.info({ userId: user.id, how }, 'administrator from ADMIN_EMAILS, address proven');
    }
    return first;
  }

  /** Ends one device's session (`sessionId`), or every device's refresh tokens (null). */
  private async revokeSessions(userId: string, sessionId: string | null, reason: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.em.nativeUpdate(AuthSession, { user: userId, revokedAt: null, ...(sessionId ? { id: sessionId } : {}) }, { revokedAt: now });
    this.deps.sessions?.forgetUser(userId);
    await this.deps.bus.publish('sessions.revoked', { userId, ...(sessionId ? { sessionId } : {}) });
    const level = reason === 'refresh token reused' ? 'warn' : 'info';
    this.deps.logger[level]({ userId, sessionId, reason }, 'sessions revoked');
  }

  /** Mails a single-use password reset link when the account exists; says nothing either way. */
  async requestPasswordReset(emailInput: string, ip: string): Promise<void> {
    const { rateLimits } = this.deps.settings;
    await this.requestLink(emailInput, ip, 'password-reset', {
      quota: [quotaKeys.resetEmail, quotaKeys.resetIp],
      refused: (s) => `Too many password reset requests. Try again in ${s} seconds.`,
      limits: { perEmail: rateLimits.passwordResetsPerEmail, perIp: rateLimits.passwordResetsPerIp, windowSeconds: rateLimits.passwordResetWindowSeconds },
    });
  }

  /**
   * Mails a single-use sign-in link to a guest's address (guests need no
   * password); says nothing either way. Photographers sign in with their password.
   */
  async requestSignInLink(emailInput: string, ip: string): Promise<void> {
    const { rateLimits } = this.deps.settings;
    await this.requestLink(emailInput, ip, 'sign-in-link', {
      quota: [quotaKeys.signInEmail, quotaKeys.signInIp],
      refused: (s) => `Too many sign-in links asked for. Try again in ${s} seconds.`,
      limits: { perEmail: rateLimits.passwordResetsPerEmail, perIp: rateLimits.passwordResetsPerIp, windowSeconds: rateLimits.passwordResetWindowSeconds },
    });
  }

  /**
   * The emailed links' request path. Requests are counted per address and per
   * IP without looking the account up, so RATE_LIMITED reveals nothing; then a
   * job is queued whatever the address. Whether an account exists is decided by
   * the job (`deliverLink`), so the answer takes the same time either way.
   */
  private async requestLink(
    emailInput: string,
    ip: string,
    link: EmailedLink,
    kind: {
      quota: [email: (email: string) => string, ip: (ip: string) => string];
      limits: { perEmail: number; perIp: number; windowSeconds: number };
      refused: (retryAfterSeconds: number) => string;
    },
  ): Promise<void> {
    let email: string;
    try {
      email = normalizeEmail(emailInput);
    } catch {
      return;
    }
    const { limits } = kind;
    await this.deps.throttle.consume(
      link,
      [
        { key: kind.quota[0](email), max: limits.perEmail, windowSeconds: limits.windowSeconds },
        { key: kind.quota[1](ip), max: limits.perIp, windowSeconds: limits.windowSeconds },
      ],
      kind.refused,
    );
    await this.deps.queue.enqueue('account.link', { link, email });
  }

  /**
   * The job behind a requested link: a link goes only to an account that may
   * use it (any active account for a reset, an active guest for a sign-in
   * link), its token stored as a SHA-256. Nothing is sent to any other address.
   */
  async deliverLink(job: { link: EmailedLink; email: string }): Promise<'done' | 'skipped'> {
    const { auth } = this.deps.settings;
    const kind =
      job.link === 'password-reset'
        ? {
            recipients: { active: true } satisfies FilterQuery<User>,
            token: PasswordResetToken,
            ttlSeconds: auth.passwordResetTtlSeconds,
            write: (user: User, link: (path: string) => string, token: string, minutes: number) => ({
              subject: 'Reset your FindMe password',
              text:
                `Hello ${user.displayName},\n\nTo choose a new password, open this link within ${minutes} minutes:\n${link('/reset-password')}\n\n` +
                `Your reset token: ${token}\n\nIf you did not ask for this, ignore this message; your password is unchanged.\n`,
            }),
          }
        : {
            recipients: { active: true, role: Role.PARTICIPANT } satisfies FilterQuery<User>,
            token: SignInLink,
            ttlSeconds: auth.signInLinkTtlSeconds,
            write: (user: User, link: (path: string) => string, _token: string, minutes: number) => ({
              subject: 'Your FindMe sign-in link',
              text:
                `Hello ${user.displayName},\n\nTo sign in to FindMe as ${user.email}, open this link within ${minutes} minutes (it works once):\n${link('/sign-in')}\n\n` +
                `If you did not ask for it, ignore this message.\n`,
            }),
          };
    const user = await this.em.findOne(User, { $and: [{ email: job.email }, kind.recipients] });
    if (!user) return 'skipped';
    const token = randomBytes(32).toString('base64url');
    this.em.create(kind.token as typeof SignInLink, { user, tokenHash: sha256(token), expiresAt: new Date(this.deps.clock.now().getTime() + kind.ttlSeconds * 1000) });
    await this.em.flush();
    const link = (path: string) => `${this.deps.settings.publicUrl()}${path}?token=${token}`;
    await this.deps.mailer.send({ to: user.email, ...kind.write(user, link, token, Math.round(kind.ttlSeconds / 60)) });
    this.deps.logger.info({ userId: user.id, link: job.link }, 'link mailed');
    return 'done';
  }

  /** The address a sign-in link signs in, while the link works (the page shows it before the button); null otherwise. */
  async signInLinkAddress(token: string): Promise<string | null> {
    return (await this.liveToken(SignInLink, token))?.user.email ?? null;
  }

  /** The live (unused, unexpired) emailed token and its active user, or null. */
  private async liveToken(entity: typeof PasswordResetToken | typeof SignInLink, token: string): Promise<{ id: string; user: User } | null> {
    const record = await this.em.findOne(entity as typeof SignInLink, { tokenHash: sha256(token.trim()), usedAt: null, expiresAt: { $gt: this.deps.clock.now() } }, { populate: ['user'] });
    const user = record?.user.getEntity();
    return record && user?.active ? { id: record.id, user } : null;
  }

  /**
   * Reserves one password check against the address's and the IP's failure
   * quotas before the password is checked (25 parallel guesses get `max`
   * checks, not 25); `succeeded` gives the reservation back.
   */
  private async reservePasswordCheck(email: string, ip: string, refused: (retryAfterSeconds: number) => string): Promise<{ succeeded(): Promise<void> }> {
    const { rateLimits } = this.deps.settings;
    const emailKey = quotaKeys.loginEmail(email);
    const ipKey = quotaKeys.loginIp(ip);
    const attempt = await this.deps.throttle.reserve(
      'login',
      [
        { key: emailKey, max: rateLimits.loginFailuresPerEmail, windowSeconds: rateLimits.loginFailureWindowSeconds },
        { key: ipKey, max: rateLimits.loginFailuresPerIp, windowSeconds: rateLimits.loginFailureWindowSeconds },
      ],
      refused,
    );
    return {
      succeeded: async () => {
        await this.deps.limiter.reset(emailKey);
        await attempt.refund([ipKey]);
      },
    };
  }

  /** Signs in with an emailed link: single use, expiring. */
  async signInWithLink(token: string): Promise<Session> {
    const invalid = () => new BadUserInputError('token', 'token: this sign-in link is invalid, expired or already used. Ask for a new one.');
    const live = await this.liveToken(SignInLink, token);
    if (!live) throw invalid();
    const { user } = live;
    // Spent in one guarded statement: two clicks on one link give one session.
    const spent = await this.em.nativeUpdate(SignInLink, { id: live.id, usedAt: null }, { usedAt: this.deps.clock.now() });
    if (spent === 0) throw invalid();
    // The first link into an account: whoever registered the address before its owner keeps nothing.
    if (await this.proveAddress(user, 'sign-in link', true)) await this.endEverySession(user, 'first sign-in by link');
    this.deps.logger.info({ userId: user.id }, 'signed in with a link');
    return this.startSession(user);
  }

  /** Sets a new password from a valid token, spends the token and ends every existing session. */
  async resetPassword(token: string, newPassword: string): Promise<void> {
    const password = validatePassword(newPassword, 'newPassword');
    const now = this.deps.clock.now();
    const record = await this.liveToken(PasswordResetToken, token);
    if (!record) throw new BadUserInputError('token', 'token: this reset link is invalid, expired or already used.');
    const { user } = record;
    const passwordHash = await this.deps.hasher.hash(password);
    // One transaction: the new password never stands beside sessions, tokens or links from before it.
    await this.em.transactional(async (tx) => {
      // Spending the token first makes two concurrent resets with one link race safely.
      const spent = await tx.nativeUpdate(PasswordResetToken, { id: record.id, usedAt: null }, { usedAt: now });
      if (spent === 0) throw new BadUserInputError('token', 'token: this reset link is invalid, expired or already used.');
      await tx.nativeUpdate(User, { id: user.id }, { passwordHash });
      await this.voidCredentials(tx, user);
    });
    await this.sessionsEnded(user, 'password reset');
    // The reset link proved the address.
    await this.proveAddress(user, 'password reset', false);
    await this.deps.limiter.reset(quotaKeys.loginEmail(user.email));
    this.deps.logger.info({ userId: user.id }, 'password reset');
  }

  /**
   * Changes the password after checking the current one (wrong guesses count
   * as failed logins). Every other signed-in device is signed out; this one stays.
   */
  async changePassword(user: User, currentPassword: string, newPassword: string, currentSessionId: string | null, ip: string): Promise<void> {
    const password = validatePassword(newPassword, 'newPassword');
    const attempt = await this.reservePasswordCheck(user.email, ip, (s) => `Too many wrong passwords. Try again in ${s} seconds.`);
    const stored = await this.em.findOne(User, { id: user.id }, { populate: ['passwordHash'] });
    if (stored?.passwordHash && !(await this.deps.hasher.verify(stored.passwordHash, currentPassword))) {
      throw new BadUserInputError('currentPassword', 'currentPassword: this is not your current password.');
    }
    // A first password needs a proven address: anyone can register someone else's
    // address without one, and must not then lock its owner out with a password.
    if (!stored?.passwordHash && !stored?.emailVerifiedAt) {
      await attempt.succeeded();
      throw new DomainError(
        'FORBIDDEN',
        'Confirm your email address first: ask for a sign-in link on the sign-in page and open it from your mailbox, then choose a password here.',
        { reason: 'EMAIL_NOT_VERIFIED' },
      );
    }
    await attempt.succeeded();
    const passwordHash = await this.deps.hasher.hash(password);
    await this.em.nativeUpdate(User, { id: user.id }, { passwordHash });
    const others = await this.em.find(AuthSession, { user: user.id, revokedAt: null, ...(currentSessionId ? { id: { $ne: currentSessionId } } : {}) }, { fields: ['id'] });
    for (const device of others) await this.revokeSessions(user.id, device.id, 'password changed');
    this.deps.logger.info({ userId: user.id, signedOut: others.length }, 'password changed');
  }

  /** Changes what others see of the account (the display name). */
  async updateProfile(user: User, input: { displayName?: string | null }): Promise<User> {
    if (input.displayName !== undefined && input.displayName !== null) user.displayName = requireText(input.displayName, 'displayName', 80);
    await this.em.flush();
    this.deps.sessions?.forgetUser(user.id);
    return user;
  }

  /**
   * The operator's shell appoints an administrator (`findme admin create`):
   * being on the server is the proof. An existing account with the address is
   * taken over for the operator: its password becomes the operator's, every
   * session and emailed link of it ends, and it becomes ADMIN. Whoever had
   * registered the address first keeps nothing.
   */
  async createAdmin(emailInput: string, password: string, displayName: string): Promise<{ user: User; created: boolean }> {
    const email = normalizeEmail(emailInput);
    const passwordHash = await this.deps.hasher.hash(validatePassword(password));
    const now = this.deps.clock.now();
    const existing = await this.em.findOne(User, { email });
    if (existing) {
      await this.em.nativeUpdate(User, { id: existing.id }, { role: Role.ADMIN, active: true, passwordHash, emailVerifiedAt: existing.emailVerifiedAt ?? now });
      Object.assign(existing, { role: Role.ADMIN, active: true, emailVerifiedAt: existing.emailVerifiedAt ?? now });
      await this.endEverySession(existing, 'appointed administrator from the server shell');
      return { user: existing, created: false };
    }
    const user = this.em.create(User, { email, displayName: requireText(displayName, 'displayName', 80), role: Role.ADMIN, passwordHash, emailVerifiedAt: now });
    await this.em.flush();
    return { user, created: true };
  }

  /** Promotes the accounts listed in ADMIN_EMAILS whose owners proved the address (run at start-up). */
  async promoteConfiguredAdmins(): Promise<number> {
    const emails = this.deps.settings.auth.adminEmails;
    if (emails.length === 0) return 0;
    return this.em.nativeUpdate(User, { email: { $in: emails }, role: { $ne: Role.ADMIN }, emailVerifiedAt: { $ne: null } }, { role: Role.ADMIN });
  }

  /** A new signed-in device for the user: its first refresh token and an access token bound to it. */
  private async startSession(user: User): Promise<Session> {
    const device = this.em.create(AuthSession, { user, expiresAt: this.refreshExpiry() });
    return this.issue(user, device);
  }

  /** A fresh pair for the device: an access token naming it, and its next refresh token (stored hashed). */
  private async issue(user: User, device: AuthSession): Promise<Session> {
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExpiresAt = this.refreshExpiry();
    device.expiresAt = refreshExpiresAt;
    this.em.create(RefreshToken, { session: device, tokenHash: sha256(refreshToken), expiresAt: refreshExpiresAt });
    await this.em.flush();
    const { token, expiresAt } = await this.deps.tokens.issue({ userId: user.id, version: user.tokenVersion, sessionId: device.id });
    return { token, expiresAt, user, refreshToken, refreshExpiresAt };
  }

  private refreshExpiry(): Date {
    return new Date(this.deps.clock.now().getTime() + this.deps.settings.auth.refreshTtlSeconds * 1000);
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A hash of a random password per hasher, checked when no account has the address. */
const dummyHashes = new WeakMap<PasswordHasher, Promise<string>>();
function dummyHash(hasher: PasswordHasher): Promise<string> {
  let hash = dummyHashes.get(hasher);
  if (!hash) {
    hash = hasher.hash(randomBytes(24).toString('base64url'));
    dummyHashes.set(hasher, hash);
  }
  return hash;
}
