import { Migration } from '@mikro-orm/migrations';

/**
 * People a guest looks for: the guest themself (person id = user id) and up to
 * four people they added. Selfies, matches, "not me" marks and rematch jobs
 * now name the person; existing rows are the guest's own.
 */
export class Migration20261204040000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "people" (
      "id" uuid not null, "created_at" timestamptz not null default now(), "owner_id" uuid not null,
      "name" text not null, "consented_at" timestamptz not null, "consent_version" text not null,
      constraint "people_pkey" primary key ("id"))`);
    this.addSql(`create index "people_owner_id_index" on "people" ("owner_id")`);
    this.addSql(`alter table "people" add constraint "people_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade`);

    for (const table of ['selfies', 'matches', 'match_rejections', 'rematch_jobs']) {
      this.addSql(`alter table "${table}" add column "person_id" uuid null`);
      this.addSql(`update "${table}" set "person_id" = "user_id"`);
      this.addSql(`alter table "${table}" alter column "person_id" set not null`);
    }
    this.addSql(`alter table "selfies" add column "adds" boolean not null default false`);
    this.addSql(`create index "selfies_person_id_status_index" on "selfies" ("person_id", "status")`);

    this.addSql(`alter table "matches" drop constraint "matches_photo_id_user_id_unique"`);
    this.addSql(`alter table "matches" add constraint "matches_photo_id_person_id_unique" unique ("photo_id", "person_id")`);
    this.addSql(`create index "matches_person_id_index" on "matches" ("person_id")`);
    this.addSql(`alter type "match_source" add value if not exists 'CLAIM'`);

    this.addSql(`alter table "match_rejections" drop constraint "match_rejections_user_id_photo_id_unique"`);
    this.addSql(`alter table "match_rejections" add constraint "match_rejections_person_id_photo_id_unique" unique ("person_id", "photo_id")`);
    this.addSql(`create index "match_rejections_user_id_index" on "match_rejections" ("user_id")`);

    this.addSql(`alter table "rematch_jobs" alter column "selfie_id" drop not null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "rematch_jobs" alter column "selfie_id" set not null`);
    this.addSql(`drop index "match_rejections_user_id_index"`);
    this.addSql(`alter table "match_rejections" drop constraint "match_rejections_person_id_photo_id_unique"`);
    this.addSql(`delete from "match_rejections" where "person_id" <> "user_id"`);
    this.addSql(`alter table "match_rejections" add constraint "match_rejections_user_id_photo_id_unique" unique ("user_id", "photo_id")`);
    this.addSql(`drop index "matches_person_id_index"`);
    this.addSql(`alter table "matches" drop constraint "matches_photo_id_person_id_unique"`);
    this.addSql(`delete from "matches" where "person_id" <> "user_id" or "source" = 'CLAIM'`);
    this.addSql(`alter table "matches" add constraint "matches_photo_id_user_id_unique" unique ("photo_id", "user_id")`);
    this.addSql(`drop index "selfies_person_id_status_index"`);
    this.addSql(`delete from "selfies" where "person_id" <> "user_id"`);
    this.addSql(`alter table "selfies" drop column "adds"`);
    for (const table of ['selfies', 'matches', 'match_rejections', 'rematch_jobs']) this.addSql(`alter table "${table}" drop column "person_id"`);
    this.addSql(`drop table if exists "people" cascade`);
  }
}
