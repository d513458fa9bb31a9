import { Migration } from '@mikro-orm/migrations';

/** Signed-in devices and their rotating refresh tokens (stored hashed). */
export class Migration20261202010000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "auth_sessions" ("id" uuid not null, "created_at" timestamptz not null default now(), "user_id" uuid not null, "revoked_at" timestamptz null, "expires_at" timestamptz not null, constraint "auth_sessions_pkey" primary key ("id"))`,
    );
    this.addSql(`create index "auth_sessions_user_id_index" on "auth_sessions" ("user_id")`);
    this.addSql(
      `create table "refresh_tokens" ("id" uuid not null, "created_at" timestamptz not null default now(), "session_id" uuid not null, "token_hash" text not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "refresh_tokens_pkey" primary key ("id"))`,
    );
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash")`);
    this.addSql(`create index "refresh_tokens_session_id_index" on "refresh_tokens" ("session_id")`);
    this.addSql(
      `alter table "auth_sessions" add constraint "auth_sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "refresh_tokens" add constraint "refresh_tokens_session_id_foreign" foreign key ("session_id") references "auth_sessions" ("id") on update cascade on delete cascade`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "refresh_tokens" cascade`);
    this.addSql(`drop table if exists "auth_sessions" cascade`);
  }
}
