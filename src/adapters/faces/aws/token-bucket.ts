/** At most `ratePerSecond` takes per second on average, bursts up to `burst`; shared by every caller. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();
  private queue = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst = Math.max(1, Math.floor(ratePerSecond)),
  ) {
    this.tokens = this.burst;
  }

  /** Resolves when a token is available (callers queue in order). */
  take(): Promise<void> {
    const next = this.queue.then(async () => {
      for (;;) {
        const now = Date.now();
        this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
        this.last = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000)));
      }
    });
    this.queue = next;
    return next;
  }
}
