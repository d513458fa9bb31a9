import { Migration } from '@mikro-orm/migrations';

/** The general photos of an event, for guests' galleries (a partial index: most photos are not general). */
export class Migration20261202000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "photos_general_index" on "photos" ("event_id", "created_at" desc, "id" desc) where "show_in_general" and "status" = 'DONE'`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "photos_general_index"`);
  }
}
