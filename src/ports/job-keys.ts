/**
 * Claims on job keys, for a queue that cannot deduplicate waiting jobs by key
 * itself: `claim` succeeds for one caller while a job with the key waits.
 */
export interface JobKeys {
  /** True when nobody holds the key (or the claim lapsed); the claim lasts `ttlSeconds` at most. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /** Frees the key: its job started (or was never sent). */
  release(key: string): Promise<void>;
}
