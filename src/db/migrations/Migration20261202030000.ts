import { Migration } from '@mikro-orm/migrations';

/** Guests without passwords: single-use sign-in links (stored hashed), and accounts with no password hash. */
export class Migration20261202030000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "sign_in_links" ("id" uuid not null, "created_at" timestamptz not null default now(), "user_id" uuid not null, "token_hash" text not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "sign_in_links_pkey" primary key ("id"))`,
    );
    this.addSql(`alter table "sign_in_links" add constraint "sign_in_links_token_hash_unique" unique ("token_hash")`);
    this.addSql(`create index "sign_in_links_user_id_index" on "sign_in_links" ("user_id")`);
    this.addSql(
      `alter table "sign_in_links" add constraint "sign_in_links_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade`,
    );
    this.addSql(`alter table "users" alter column "password_hash" drop not null`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "sign_in_links" cascade`);
    this.addSql(`delete from "users" where "password_hash" is null`);
    this.addSql(`alter table "users" alter column "password_hash" set not null`);
  }
}
