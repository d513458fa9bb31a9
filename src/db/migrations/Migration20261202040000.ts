import { Migration } from '@mikro-orm/migrations';

/** New-photo emails: a guest's opt-in per event, and when the last one went out. */
export class Migration20261202040000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "participations" add column "new_photo_emails" boolean not null default false, add column "new_photos_since" timestamptz null, add column "last_digest_at" timestamptz null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "participations" drop column "new_photo_emails", drop column "new_photos_since", drop column "last_digest_at"`);
  }
}
