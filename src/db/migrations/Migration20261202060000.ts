import { Migration } from '@mikro-orm/migrations';

/** Face matching per membership: a guest may delete their face data for one event and stay a member. */
export class Migration20261202060000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "participations" add column "face_matching" boolean not null default true`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "participations" drop column "face_matching"`);
  }
}
