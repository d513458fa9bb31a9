/** A worker process as its heartbeat shows it. */
export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  startedAt: Date;
  lastSeenAt: Date;
  alive: boolean;
}

/** What operators read about the deployment: workers, photo counts, face-service calls, schema. */
export interface OpsRepository {
  /** Every worker with a heartbeat; alive when seen within `aliveSeconds`. */
  workers(aliveSeconds: number): Promise<WorkerRow[]>;
  /** Photos per event and status. */
  photoCountsByEvent(): Promise<{ eventId: string; eventName: string; status: string; count: number }[]>;
  /** Face-service calls per scope (an event id, or '' for none) and API, with the event's name when it still exists. */
  faceEngineCalls(): Promise<{ scope: string; api: string; calls: number; eventName: string | null }[]>;
  /** Faces the paid face service keeps for us (photo faces and active selfies). */
  storedEngineFaces(): Promise<number>;
  databaseVersion(): Promise<string>;
  appliedMigrations(): Promise<string[]>;
}
