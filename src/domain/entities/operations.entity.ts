import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Calls made to a paid face service, per event ('' when no event applies) and API, summed across processes. */
@Entity({ tableName: 'face_engine_calls' })
export class FaceEngineCall {
  @PrimaryKey({ type: 'text' })
  scope!: string;

  @PrimaryKey({ type: 'text' })
  api!: string;

  @Property({ type: 'bigint' })
  calls!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt!: Date;
}

/** A worker process saying it is alive (queueStats shows workers whose last beat is recent). */
@Entity({ tableName: 'worker_heartbeats' })
export class WorkerHeartbeat {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  host!: string;

  @Property({ type: 'integer' })
  pid!: number;

  @Property({ type: 'integer' })
  concurrency!: number;

  @Property({ type: 'timestamptz' })
  startedAt!: Date;

  @Property({ type: 'timestamptz', index: true })
  lastSeenAt!: Date;
}

/**
 * A job key with a job waiting for it (queues without deduplication of their
 * own, SQS): a second job with the key is not sent until the first starts.
 */
@Entity({ tableName: 'job_keys' })
export class JobKey {
  @PrimaryKey({ type: 'text' })
  key!: string;

  /** A claim lapses by then even if its job never started (a lost message). */
  @Property({ type: 'timestamptz' })
  expiresAt!: Date;
}
