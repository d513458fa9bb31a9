import { Migration } from '@mikro-orm/migrations';

/** Google Drive folders feeding events, the files each has seen, and a photo's time at its source. */
export class Migration20261204030000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "drive_import_status" as enum ('ACTIVE', 'PAUSED', 'FAILED')`);
    this.addSql(`create type "drive_file_outcome" as enum ('IMPORTING', 'IMPORTED', 'SKIPPED')`);
    this.addSql(`create table "drive_imports" (
      "id" uuid not null, "created_at" timestamptz not null default now(), "event_id" uuid not null, "connected_by_id" uuid null,
      "folder_id" text not null, "folder_name" text not null, "status" "drive_import_status" not null default 'ACTIVE',
      "last_checked_at" timestamptz null, "last_error" text null, "failures" int not null default 0,
      "lease_owner" text null, "lease_until" timestamptz null, "next_check_at" timestamptz null,
      "updated_at" timestamptz not null default now(),
      constraint "drive_imports_pkey" primary key ("id"))`);
    this.addSql(`alter table "drive_imports" add constraint "drive_imports_event_id_folder_id_unique" unique ("event_id", "folder_id")`);
    this.addSql(`alter table "drive_imports" add constraint "drive_imports_event_id_foreign" foreign key ("event_id") references "events" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "drive_imports" add constraint "drive_imports_connected_by_id_foreign" foreign key ("connected_by_id") references "users" ("id") on update cascade on delete set null`);
    this.addSql(`create table "drive_files" (
      "id" uuid not null, "created_at" timestamptz not null default now(), "drive_import_id" uuid not null,
      "file_id" text not null, "name" text not null, "outcome" "drive_file_outcome" not null, "reason" text null,
      "content_md5" text null, "photo_id" uuid null,
      constraint "drive_files_pkey" primary key ("id"))`);
    this.addSql(`alter table "drive_files" add constraint "drive_files_drive_import_id_file_id_unique" unique ("drive_import_id", "file_id")`);
    this.addSql(`create index "drive_files_drive_import_id_content_md5_index" on "drive_files" ("drive_import_id", "content_md5")`);
    this.addSql(`alter table "drive_files" add constraint "drive_files_drive_import_id_foreign" foreign key ("drive_import_id") references "drive_imports" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "drive_files" add constraint "drive_files_photo_id_foreign" foreign key ("photo_id") references "photos" ("id") on update cascade on delete set null`);
    this.addSql(`alter table "photos" add column "source_modified_at" timestamptz null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "photos" drop column "source_modified_at"`);
    this.addSql(`drop table if exists "drive_files" cascade`);
    this.addSql(`drop table if exists "drive_imports" cascade`);
    this.addSql(`drop type "drive_file_outcome"`);
    this.addSql(`drop type "drive_import_status"`);
  }
}
