import { Migration } from '@mikro-orm/migrations';

/** Rematch jobs (selfie validation and matching), and faces by creation time for catch-up scans. */
export class Migration20261122000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "rematch_status" as enum ('QUEUED', 'RUNNING', 'DONE', 'FAILED', 'VALIDATION_FAILED')`);
    this.addSql(
      `create table "rematch_jobs" ("id" uuid not null, "created_at" timestamptz not null default now(), "user_id" uuid not null, "selfie_id" uuid not null, "status" "rematch_status" not null default 'QUEUED', "processed" int not null default 0, "total" int not null default 0, "matched" int not null default 0, "message" text null, "finished_at" timestamptz null, constraint "rematch_jobs_pkey" primary key ("id"))`,
    );
    this.addSql(`create index "rematch_jobs_user_id_created_at_index" on "rematch_jobs" ("user_id", "created_at")`);
    this.addSql(
      `alter table "rematch_jobs" add constraint "rematch_jobs_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "rematch_jobs" add constraint "rematch_jobs_selfie_id_foreign" foreign key ("selfie_id") references "selfies" ("id") on update cascade on delete cascade`,
    );
    this.addSql(`create index "faces_created_at_index" on "faces" ("created_at")`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "faces_created_at_index"`);
    this.addSql(`drop table if exists "rematch_jobs" cascade`);
    this.addSql(`drop type if exists "rematch_status"`);
  }
}
