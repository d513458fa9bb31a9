/**
 * Signed URLs stay the same for a while, so browsers and normalised caches can
 * reuse what they fetched: their expiry is rounded up to a window, and the
 * signature is dated at a fixed point before it. Every URL handed out still
 * has at least `ttlSeconds` of life left.
 */
export interface UrlWindow {
  /** When the URLs minted now expire: now + ttl, rounded up to the window. */
  expiresAt: Date;
  /** The fixed signing time of this window (in the past). */
  signedAt: Date;
}

export function urlWindow(now: Date, ttlSeconds: number): UrlWindow {
  const window = Math.max(60, Math.round(ttlSeconds / 3)) * 1000;
  const ttl = ttlSeconds * 1000;
  const expires = Math.ceil((now.getTime() + ttl) / window) * window;
  return { expiresAt: new Date(expires), signedAt: new Date(expires - ttl - window) };
}
