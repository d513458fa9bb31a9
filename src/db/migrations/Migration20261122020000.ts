import { Migration } from '@mikro-orm/migrations';

/** Face-data retention per event, when an event's face data was purged, the stale-job sweep's index, and content hashes of photos. */
export class Migration20261122020000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "events" add column "face_retention_days" int not null default 90, add column "face_data_purged_at" timestamptz null`);
    this.addSql(`create index "events_face_data_purged_at_index" on "events" ("face_data_purged_at")`);
    this.addSql(`create index "photos_status_updated_at_index" on "photos" ("status", "updated_at")`);
    this.addSql(`alter table "photos" add column "content_sha256" text null`);
    this.addSql(`alter table "photos" add constraint "photos_event_id_content_sha256_unique" unique ("event_id", "content_sha256")`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "photos" drop constraint "photos_event_id_content_sha256_unique"`);
    this.addSql(`alter table "photos" drop column "content_sha256"`);
    this.addSql(`drop index "photos_status_updated_at_index"`);
    this.addSql(`drop index "events_face_data_purged_at_index"`);
    this.addSql(`alter table "events" drop column "face_retention_days", drop column "face_data_purged_at"`);
  }
}
