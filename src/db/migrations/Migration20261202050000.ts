import { Migration } from '@mikro-orm/migrations';

/** Events deleted in the background: marked first, gone for readers at once. */
export class Migration20261202050000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "events" add column "deleting_at" timestamptz null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "events" drop column "deleting_at"`);
  }
}
