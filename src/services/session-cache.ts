import type { EntityData } from '@mikro-orm/core';
import type { User } from '../domain/entities/index.js';

interface Entry {
  userId: string;
  user: EntityData<User>;
  expiresAt: Date;
  sessionId: string | null;
  cachedUntil: number;
}

/**
 * Tokens this process verified lately, with the account they stand for, so
 * that a guest paging through a gallery costs no account look-up per request.
 * Entries live a few seconds at most; ending a user's sessions (password reset,
 * account deletion: `sessions.revoked`) forgets theirs at once.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 20_000,
  ) {}

  get(token: string, now: number): { user: EntityData<User>; expiresAt: Date; sessionId: string | null } | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.cachedUntil <= now || entry.expiresAt.getTime() <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return entry;
  }

  set(token: string, user: EntityData<User> & { id: string }, expiresAt: Date, now: number, sessionId: string | null = null): void {
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: a Map iterates in insertion order.
      for (const key of this.entries.keys()) {
        this.entries.delete(key);
        if (this.entries.size < this.maxEntries / 2) break;
      }
    }
    this.entries.set(token, { userId: user.id, user, expiresAt, sessionId, cachedUntil: now + this.ttlMs });
  }

  forgetUser(userId: string): void {
    for (const [token, entry] of this.entries) if (entry.userId === userId) this.entries.delete(token);
  }
}
