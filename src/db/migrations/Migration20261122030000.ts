import { Migration } from '@mikro-orm/migrations';

/** Face-service calls per event and API (cost visibility), and worker heartbeats (queue liveness). */
export class Migration20261122030000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "face_engine_calls" ("scope" text not null, "api" text not null, "calls" bigint not null, "updated_at" timestamptz not null default now(), constraint "face_engine_calls_pkey" primary key ("scope", "api"))`,
    );
    this.addSql(
      `create table "worker_heartbeats" ("id" text not null, "host" text not null, "pid" int not null, "concurrency" int not null, "started_at" timestamptz not null, "last_seen_at" timestamptz not null, constraint "worker_heartbeats_pkey" primary key ("id"))`,
    );
    this.addSql(`create index "worker_heartbeats_last_seen_at_index" on "worker_heartbeats" ("last_seen_at")`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "worker_heartbeats" cascade`);
    this.addSql(`drop table if exists "face_engine_calls" cascade`);
  }
}
