import type { Logger } from 'pino';
import { RateLimitedError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { RateLimiter, RateWindow } from '../ports/rate-limiter.js';

/** The counters' keys: one place, so deleting an account can find every one that names it. */
export const quotaKeys = {
  loginEmail: (email: string) => `login:email:${email}`,
  loginIp: (ip: string) => `login:ip:${ip}`,
  registerIp: (ip: string) => `register:ip:${ip}`,
  resetEmail: (email: string) => `reset:email:${email}`,
  resetIp: (ip: string) => `reset:ip:${ip}`,
  signInEmail: (email: string) => `signin:email:${email}`,
  signInIp: (ip: string) => `signin:ip:${ip}`,
  uploadsUser: (userId: string) => `uploads:user:${userId}`,
  uploadsIp: (ip: string) => `uploads:ip:${ip}`,
  selfiesUser: (userId: string) => `selfies:user:${userId}`,
  selfiesIp: (ip: string) => `selfies:ip:${ip}`,
  codeLookupsIp: (ip: string) => `codes:ip:${ip}`,
  codeLookupsUser: (userId: string) => `codes:user:${userId}`,
  driveUser: (userId: string) => `drive:user:${userId}`,
  peopleUser: (userId: string) => `people:user:${userId}`,
  claimsUser: (userId: string) => `claims:user:${userId}`,
  claimsIp: (ip: string) => `claims:ip:${ip}`,
  /** Every key that names this account (by email or id). */
  ofAccount: (user: { id: string; email: string }): string[] => [
    quotaKeys.loginEmail(user.email),
    quotaKeys.resetEmail(user.email),
    quotaKeys.signInEmail(user.email),
    quotaKeys.uploadsUser(user.id),
    quotaKeys.selfiesUser(user.id),
    quotaKeys.codeLookupsUser(user.id),
    quotaKeys.driveUser(user.id),
    quotaKeys.peopleUser(user.id),
    quotaKeys.claimsUser(user.id),
  ],
};

/** An attempt counted in advance. */
export interface Reservation {
  /** Gives the attempt back to these quotas (all of them by default). */
  refund(keys?: string[]): Promise<void>;
}

/** One counter an action spends from: at most `max` hits per `windowSeconds`. */
export interface Quota {
  key: string;
  max: number;
  windowSeconds: number;
}

/**
 * Counts an action against each of its quotas (per IP, per account) and refuses
 * it with RATE_LIMITED and a retry hint once any is spent.
 */
export class Throttle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async consume(action: string, quotas: Quota[], message: (retryAfterSeconds: number) => string): Promise<void> {
    await this.reserve(action, quotas, message);
  }

  /**
   * Counts an attempt before it is made (one atomic increment per quota), so
   * parallel attempts can never exceed a limit: the one past it is refused
   * with RATE_LIMITED. For limits on failures, the caller refunds the attempt
   * once it turned out to be a success.
   */
  async reserve(action: string, quotas: Quota[], message: (retryAfterSeconds: number) => string): Promise<Reservation> {
    const windows = await Promise.all(quotas.map(async (q) => ({ q, w: await this.limiter.hit(q.key, q.windowSeconds) })));
    const spent = windows.filter(({ q, w }) => w.hits > q.max).map(({ w }) => w);
    if (spent.length === 0) {
      return { refund: async (keys = quotas.map((q) => q.key)) => void (await Promise.all(keys.map((k) => this.limiter.refund(k)))) };
    }
    const retryAfterSeconds = this.retryAfter(spent);
    this.logger.warn({ action, retryAfterSeconds, quotas: spent.length }, 'request throttled');
    throw new RateLimitedError(message(retryAfterSeconds), retryAfterSeconds);
  }

  /** Seconds until every one of these windows has ended (at least 1). */
  retryAfter(windows: RateWindow[]): number {
    const resetAt = Math.max(...windows.map((w) => w.resetAt.getTime()));
    return Math.max(1, Math.ceil((resetAt - this.clock.now().getTime()) / 1000));
  }
}
