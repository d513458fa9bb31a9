import { Migration } from '@mikro-orm/migrations';

/** The venue's wall: on or off per event, behind a secret link the photographer can replace. */
export class Migration20261204020000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "events" add column "wall" boolean not null default false, add column "wall_token" text null`);
    this.addSql(`alter table "events" add constraint "events_wall_token_unique" unique ("wall_token")`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "events" drop constraint "events_wall_token_unique"`);
    this.addSql(`alter table "events" drop column "wall_token", drop column "wall"`);
  }
}
