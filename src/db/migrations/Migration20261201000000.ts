import { Migration } from '@mikro-orm/migrations';

/**
 * Security audit: guest approval per event (participants PENDING, APPROVED or
 * REFUSED), the originals policy with the guests' stripped copy, and the
 * worker that holds a photo (released when its heartbeat stops).
 */
export class Migration20261201000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "originals_policy" as enum ('STRIPPED', 'UNTOUCHED')`);
    this.addSql(`create type "participant_status" as enum ('PENDING', 'APPROVED', 'REFUSED')`);
    this.addSql(
      `alter table "events" add column "guest_approval" boolean not null default false, add column "originals_policy" "originals_policy" not null default 'STRIPPED'`,
    );
    this.addSql(`alter table "photos" add column "guest_original_key" text null, add column "worker_id" text null`);
    this.addSql(
      `alter table "participations" add column "status" "participant_status" not null default 'APPROVED', add column "decided_at" timestamptz null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "participations" drop column "status", drop column "decided_at"`);
    this.addSql(`alter table "photos" drop column "guest_original_key", drop column "worker_id"`);
    this.addSql(`alter table "events" drop column "guest_approval", drop column "originals_policy"`);
    this.addSql(`drop type "participant_status"`);
    this.addSql(`drop type "originals_policy"`);
  }
}
