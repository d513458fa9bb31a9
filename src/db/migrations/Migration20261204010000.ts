import { Migration } from '@mikro-orm/migrations';

/** Photos finished lately (the workers' throughput, for eventProgress.etaSeconds), and the queue in upload order. */
export class Migration20261204010000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "photos_processed_at_index" on "photos" ("processed_at") where "processed_at" is not null`);
    this.addSql(`create index "photos_queued_index" on "photos" ("created_at") where "status" in ('UPLOADED', 'PROCESSING')`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "photos_queued_index"`);
    this.addSql(`drop index "photos_processed_at_index"`);
  }
}
