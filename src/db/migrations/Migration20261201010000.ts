import { Migration } from '@mikro-orm/migrations';

/** Keys of waiting jobs, for queues that cannot deduplicate by key themselves (SQS). */
export class Migration20261201010000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "job_keys" ("key" text not null, "expires_at" timestamptz not null, constraint "job_keys_pkey" primary key ("key"))`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "job_keys" cascade`);
  }
}
