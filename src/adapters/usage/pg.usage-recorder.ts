import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { UsageRecorder } from '../../ports/usage-recorder.js';

/**
 * Sums calls in memory and adds them to `face_engine_calls` every few seconds
 * (one upsert per event and API), so every process's calls add up.
 */
export class PgUsageRecorder implements UsageRecorder {
  private pending = new Map<string, { scope: string; api: string; calls: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly orm: MikroORM,
    private readonly logger: Logger,
    private readonly onRecord: (api: string) => void = () => undefined,
    flushEveryMs = 2000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  record(api: string, eventId: string | null): void {
    const scope = eventId ?? '';
    const key = `${scope}|${api}`;
    const entry = this.pending.get(key) ?? { scope, api, calls: 0 };
    entry.calls += 1;
    this.pending.set(key, entry);
    this.onRecord(api);
  }

  /** Writes what was counted since the last flush; a failed write keeps the counts for the next one. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.orm.em.getConnection().execute(
        `insert into face_engine_calls (scope, api, calls, updated_at)
         values ${batch.map(() => '(?, ?, ?, now())').join(', ')}
         on conflict (scope, api) do update set calls = face_engine_calls.calls + excluded.calls, updated_at = now()`,
        batch.flatMap((b) => [b.scope, b.api, b.calls]),
      );
    } catch (err) {
      for (const b of batch) {
        const key = `${b.scope}|${b.api}`;
        const entry = this.pending.get(key) ?? { ...b, calls: 0 };
        entry.calls += b.calls;
        this.pending.set(key, entry);
      }
      this.logger.warn({ err }, 'could not record face engine usage; will retry');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
