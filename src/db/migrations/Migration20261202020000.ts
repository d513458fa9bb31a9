import { Migration } from '@mikro-orm/migrations';

/** "Not me": photos a guest said they are not in, kept out of their matches for good. */
export class Migration20261202020000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "match_rejections" ("id" uuid not null, "created_at" timestamptz not null default now(), "user_id" uuid not null, "photo_id" uuid not null, constraint "match_rejections_pkey" primary key ("id"))`,
    );
    this.addSql(`alter table "match_rejections" add constraint "match_rejections_user_id_photo_id_unique" unique ("user_id", "photo_id")`);
    this.addSql(
      `alter table "match_rejections" add constraint "match_rejections_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "match_rejections" add constraint "match_rejections_photo_id_foreign" foreign key ("photo_id") references "photos" ("id") on update cascade on delete cascade`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "match_rejections" cascade`);
  }
}
