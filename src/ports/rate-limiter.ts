export interface RateWindow {
  hits: number;
  /** When the window ends and the count starts again. */
  resetAt: Date;
}

/** Fixed-window counters keyed by an opaque string (`login:email:…`). */
export interface RateLimiter {
  /** The current window for `key`, or null when none is open. */
  peek(key: string): Promise<RateWindow | null>;
  /** Counts one hit, opening a window of `windowSeconds` if none is open. */
  hit(key: string, windowSeconds: number): Promise<RateWindow>;
  /** Takes back one hit from the open window (an attempt that turned out fine). */
  refund(key: string): Promise<void>;
  /** Forgets `key` (after a successful login). */
  reset(key: string): Promise<void>;
}
