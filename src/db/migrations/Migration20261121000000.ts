import { Migration } from '@mikro-orm/migrations';

/** The initial schema: accounts, events, participations, selfies, photos, faces, matches. */
export class Migration20261121000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "user_role" as enum ('PARTICIPANT', 'PHOTOGRAPHER', 'ADMIN')`);
    this.addSql(`create type "selfie_status" as enum ('PENDING', 'ACTIVE', 'REJECTED', 'REPLACED')`);
    this.addSql(`create type "photo_status" as enum ('PENDING', 'UPLOADED', 'PROCESSING', 'DONE', 'FAILED')`);
    this.addSql(`create type "match_source" as enum ('INGEST', 'REMATCH')`);
    this.addSql(`create table "rate_limit_buckets" ("key" text not null, "hits" int not null, "reset_at" timestamptz not null, constraint "rate_limit_buckets_pkey" primary key ("key"))`);
    this.addSql(`create index "rate_limit_buckets_reset_at_index" on "rate_limit_buckets" ("reset_at")`);
    this.addSql(`create table "users" ("id" uuid not null, "created_at" timestamptz not null default now(), "email" text not null, "display_name" text not null, "password_hash" text not null, "role" "user_role" not null default 'PARTICIPANT', "active" boolean not null default true, "token_version" int not null default 0, constraint "users_pkey" primary key ("id"))`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email")`);
    this.addSql(`create index "users_role_index" on "users" ("role")`);
    this.addSql(`create table "selfies" ("id" uuid not null, "created_at" timestamptz not null default now(), "user_id" uuid not null, "object_key" text not null, "content_type" text not null, "byte_size" int not null, "status" "selfie_status" not null default 'PENDING', "validation_message" text null, "vector" bytea null, "engine_face_id" text null, constraint "selfies_pkey" primary key ("id"))`);
    this.addSql(`create index "selfies_user_id_status_index" on "selfies" ("user_id", "status")`);
    this.addSql(`create table "password_reset_tokens" ("id" uuid not null, "created_at" timestamptz not null default now(), "user_id" uuid not null, "token_hash" text not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "password_reset_tokens_pkey" primary key ("id"))`);
    this.addSql(`alter table "password_reset_tokens" add constraint "password_reset_tokens_token_hash_unique" unique ("token_hash")`);
    this.addSql(`create index "password_reset_tokens_user_id_index" on "password_reset_tokens" ("user_id")`);
    this.addSql(`create table "events" ("id" uuid not null, "created_at" timestamptz not null default now(), "name" text not null, "code" text not null, "date" date not null, "owner_id" uuid not null, "match_threshold" double precision null, "public_gallery" boolean not null default true, constraint "events_pkey" primary key ("id"))`);
    this.addSql(`alter table "events" add constraint "events_code_unique" unique ("code")`);
    this.addSql(`create index "events_owner_id_date_index" on "events" ("owner_id", "date")`);
    this.addSql(`create table "photos" ("id" uuid not null, "created_at" timestamptz not null default now(), "event_id" uuid not null, "uploader_id" uuid null, "original_filename" text not null, "content_type" text not null, "byte_size" int not null, "original_key" text not null, "display_key" text null, "thumbnail_key" text null, "width" int null, "height" int null, "status" "photo_status" not null default 'PENDING', "error_code" text null, "error_message" text null, "attempts" int not null default 0, "face_count" int null, "show_in_general" boolean not null default false, "updated_at" timestamptz not null default now(), "processed_at" timestamptz null, constraint "photos_pkey" primary key ("id"))`);
    this.addSql(`create index "photos_event_id_created_at_id_index" on "photos" ("event_id", "created_at", "id")`);
    this.addSql(`create index "photos_event_id_status_index" on "photos" ("event_id", "status")`);
    this.addSql(`create table "faces" ("id" uuid not null, "created_at" timestamptz not null default now(), "photo_id" uuid not null, "face_index" int not null, "box_left" double precision not null, "box_top" double precision not null, "box_width" double precision not null, "box_height" double precision not null, "confidence" double precision not null, "vector" bytea null, "engine_face_id" text null, constraint "faces_pkey" primary key ("id"))`);
    this.addSql(`alter table "faces" add constraint "faces_photo_id_face_index_unique" unique ("photo_id", "face_index")`);
    this.addSql(`create table "matches" ("id" uuid not null, "created_at" timestamptz not null default now(), "photo_id" uuid not null, "user_id" uuid not null, "face_id" uuid not null, "similarity" double precision not null, "source" "match_source" not null, constraint "matches_pkey" primary key ("id"))`);
    this.addSql(`create index "matches_user_id_photo_id_index" on "matches" ("user_id", "photo_id")`);
    this.addSql(`alter table "matches" add constraint "matches_photo_id_user_id_unique" unique ("photo_id", "user_id")`);
    this.addSql(`create table "participations" ("id" uuid not null, "created_at" timestamptz not null default now(), "user_id" uuid not null, "event_id" uuid not null, "joined_at" timestamptz not null, "consented_at" timestamptz not null, "consent_version" text not null, "engine_face_ref" text null, constraint "participations_pkey" primary key ("id"))`);
    this.addSql(`create index "participations_event_id_index" on "participations" ("event_id")`);
    this.addSql(`alter table "participations" add constraint "participations_user_id_event_id_unique" unique ("user_id", "event_id")`);
    this.addSql(`alter table "selfies" add constraint "selfies_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "password_reset_tokens" add constraint "password_reset_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "events" add constraint "events_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "photos" add constraint "photos_event_id_foreign" foreign key ("event_id") references "events" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "photos" add constraint "photos_uploader_id_foreign" foreign key ("uploader_id") references "users" ("id") on update cascade on delete set null`);
    this.addSql(`alter table "faces" add constraint "faces_photo_id_foreign" foreign key ("photo_id") references "photos" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "matches" add constraint "matches_photo_id_foreign" foreign key ("photo_id") references "photos" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "matches" add constraint "matches_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "matches" add constraint "matches_face_id_foreign" foreign key ("face_id") references "faces" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "participations" add constraint "participations_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade`);
    this.addSql(`alter table "participations" add constraint "participations_event_id_foreign" foreign key ("event_id") references "events" ("id") on update cascade on delete cascade`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "participations" cascade;`);
    this.addSql(`drop table if exists "matches" cascade;`);
    this.addSql(`drop table if exists "faces" cascade;`);
    this.addSql(`drop table if exists "photos" cascade;`);
    this.addSql(`drop table if exists "events" cascade;`);
    this.addSql(`drop table if exists "password_reset_tokens" cascade;`);
    this.addSql(`drop table if exists "selfies" cascade;`);
    this.addSql(`drop table if exists "rate_limit_buckets" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop type if exists "match_source";`);
    this.addSql(`drop type if exists "photo_status";`);
    this.addSql(`drop type if exists "selfie_status";`);
    this.addSql(`drop type if exists "user_role";`);
  }
}
