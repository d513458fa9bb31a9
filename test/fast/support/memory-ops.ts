import type { OpsRepository, WorkerRow } from '../../../src/ports/repositories/ops.repository.js';

/** The operators' facts as plain arrays, for service tests that need no database. */
export class MemoryOpsRepository implements OpsRepository {
  workerRows: (Omit<WorkerRow, 'alive'> & { ageSeconds: number })[] = [];
  photos: { eventId: string; eventName: string; status: string }[] = [];
  calls: { scope: string; api: string; calls: number; eventName: string | null }[] = [];
  engineFaces = 0;
  migrations: string[] = [];

  async workers(aliveSeconds: number): Promise<WorkerRow[]> {
    return this.workerRows.map(({ ageSeconds, ...w }) => ({ ...w, alive: ageSeconds < aliveSeconds }));
  }

  async photoCountsByEvent(): Promise<{ eventId: string; eventName: string; status: string; count: number }[]> {
    const counts = new Map<string, { eventId: string; eventName: string; status: string; count: number }>();
    for (const p of this.photos) {
      const key = `${p.eventId}:${p.status}`;
      const entry = counts.get(key) ?? { ...p, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    return [...counts.values()];
  }

  async faceEngineCalls(): Promise<{ scope: string; api: string; calls: number; eventName: string | null }[]> {
    return this.calls;
  }

  async storedEngineFaces(): Promise<number> {
    return this.engineFaces;
  }

  async databaseVersion(): Promise<string> {
    return '18.0 (memory)';
  }

  async appliedMigrations(): Promise<string[]> {
    return this.migrations;
  }
}
