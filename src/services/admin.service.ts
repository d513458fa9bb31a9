import os from 'node:os';
import type { User } from '../domain/entities/index.js';
import { Role } from '../domain/entities/index.js';
import { ForbiddenError } from '../domain/errors.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { OpsRepository } from '../ports/repositories/ops.repository.js';

/** A worker whose last heartbeat is older than this is shown as not alive. */
export const WORKER_ALIVE_SECONDS = 30;

export interface AdminSettings {
  version: string;
  environment: string;
  configSources: string[];
  ssmPrefix: string | undefined;
  drivers: { objectStore: string; jobQueue: string; faceEngine: string; mailer: string; database: string };
  usdPer1000Calls: number;
  usdPerFaceMonth: number;
  startedAt: Date;
}

export interface QueueReport {
  driver: string;
  waiting: number;
  active: number;
  failed: number;
  oldestWaitingSeconds: number | null;
  workers: { id: string; host: string; pid: number; concurrency: number; startedAt: Date; lastSeenAt: Date; alive: boolean }[];
  photosByEvent: { eventId: string; eventName: string; total: number; pending: number; uploaded: number; processing: number; done: number; failed: number }[];
}

export interface UsageLine {
  api: string;
  calls: number;
  usd: number;
}

export interface UsageReport {
  provider: string;
  usdPer1000Calls: number;
  usdPerFaceMonth: number;
  total: { calls: number; usd: number; byApi: UsageLine[] };
  byEvent: { eventId: string | null; eventName: string | null; calls: number; usd: number; byApi: UsageLine[] }[];
  storedFaces: number;
  storageUsdPerMonth: number;
}

/** What operators see: queue health, face-service cost, how this deployment is configured. Admins only. */
export class AdminService {
  constructor(private readonly deps: { ops: OpsRepository; queue: JobQueue; settings: AdminSettings }) {}

  async queueStats(actor: User): Promise<QueueReport> {
    assertAdmin(actor);
    const [stats, workers, photos] = await Promise.all([
      this.deps.queue.stats('photo.process'),
      this.deps.ops.workers(WORKER_ALIVE_SECONDS),
      this.deps.ops.photoCountsByEvent(),
    ]);
    const byEvent = new Map<string, QueueReport['photosByEvent'][number]>();
    for (const row of photos) {
      const entry = byEvent.get(row.eventId) ?? { eventId: row.eventId, eventName: row.eventName, total: 0, pending: 0, uploaded: 0, processing: 0, done: 0, failed: 0 };
      entry[row.status.toLowerCase() as 'pending' | 'uploaded' | 'processing' | 'done' | 'failed'] = row.count;
      entry.total += row.count;
      byEvent.set(row.eventId, entry);
    }
    return { ...stats, workers, photosByEvent: [...byEvent.values()] };
  }

  async faceEngineUsage(actor: User): Promise<UsageReport> {
    assertAdmin(actor);
    const { settings } = this.deps;
    const [rows, storedFaces] = await Promise.all([this.deps.ops.faceEngineCalls(), this.deps.ops.storedEngineFaces()]);
    const usd = (calls: number) => round((calls / 1000) * settings.usdPer1000Calls);
    const line = (api: string, calls: number): UsageLine => ({ api, calls, usd: usd(calls) });
    const events = new Map<string, UsageReport['byEvent'][number]>();
    const totals = new Map<string, number>();
    for (const row of rows) {
      const { calls } = row;
      const entry = events.get(row.scope) ?? { eventId: row.scope || null, eventName: row.eventName, calls: 0, usd: 0, byApi: [] };
      entry.calls += calls;
      entry.usd = usd(entry.calls);
      entry.byApi.push(line(row.api, calls));
      events.set(row.scope, entry);
      totals.set(row.api, (totals.get(row.api) ?? 0) + calls);
    }
    const total = [...totals.values()].reduce((a, b) => a + b, 0);
    return {
      provider: settings.drivers.faceEngine,
      usdPer1000Calls: settings.usdPer1000Calls,
      usdPerFaceMonth: settings.usdPerFaceMonth,
      total: { calls: total, usd: usd(total), byApi: [...totals].map(([api, calls]) => line(api, calls)) },
      byEvent: [...events.values()].sort((a, b) => b.calls - a.calls),
      storedFaces,
      storageUsdPerMonth: round(storedFaces * settings.usdPerFaceMonth),
    };
  }

  async systemStatus(actor: User): Promise<{
    version: string;
    environment: string;
    node: string;
    postgres: string;
    host: string;
    configSources: string[];
    ssmPrefix: string | null;
    drivers: AdminSettings['drivers'];
    migrations: string[];
    startedAt: Date;
    uptimeSeconds: number;
  }> {
    assertAdmin(actor);
    const { settings } = this.deps;
    const [postgres, migrations] = await Promise.all([this.deps.ops.databaseVersion(), this.deps.ops.appliedMigrations()]);
    return {
      version: settings.version,
      environment: settings.environment,
      node: process.version,
      postgres,
      host: os.hostname(),
      configSources: settings.configSources,
      ssmPrefix: settings.ssmPrefix ?? null,
      drivers: settings.drivers,
      migrations,
      startedAt: settings.startedAt,
      uptimeSeconds: Math.round((Date.now() - settings.startedAt.getTime()) / 1000),
    };
  }
}

function assertAdmin(actor: User): void {
  if (actor.role !== Role.ADMIN) throw new ForbiddenError('This needs the ADMIN role.');
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
