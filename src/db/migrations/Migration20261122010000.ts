import { Migration } from '@mikro-orm/migrations';

/** Photos whose participant search is deferred to a per-event batch (engines where that is cheaper). */
export class Migration20261122010000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "photos" add column "participants_matched_at" timestamptz null`);
    // Photos already processed were matched at ingest.
    this.addSql(`update "photos" set "participants_matched_at" = "processed_at" where "status" = 'DONE'`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "photos" drop column "participants_matched_at"`);
  }
}
