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
  uploadsUser: (userId: string) => `uploads:user:${userId}`,
  uploadsIp: (ip: string) => `uploads:ip:${ip}`,
  selfiesUser: (userId: string) => `selfies:user:${userId}`,
  selfiesIp: (ip: string) => `selfies:ip:${ip}`,
  /** Every key that names this account (by email or id). */
  ofAccount: (user: { id: string; email: string }): string[] => [
    quotaKeys.loginEmail(user.email),
    quotaKeys.resetEmail(user.email),
    quotaKeys.uploadsUser(user.id),
    quotaKeys.selfiesUser(user.id),
  ],
};

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
    const windows = await Promise.all(quotas.map(async (q) => ({ q, w: await this.limiter.hit(q.key, q.windowSeconds) })));
    const spent = windows.filter(({ q, w }) => w.hits > q.max).map(({ w }) => w);
    if (spent.length === 0) return;
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
