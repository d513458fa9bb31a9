import { Migration } from '@mikro-orm/migrations';

/**
 * When an account's address was proven (an emailed link followed, a reset
 * password, or the operator's shell). Until then the account cannot set a
 * first password or become an administrator.
 */
export class Migration20261204000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "email_verified_at" timestamptz null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop column "email_verified_at"`);
  }
}
