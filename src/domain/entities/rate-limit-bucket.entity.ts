import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A fixed-window counter shared by every API process (login throttling, resets). */
@Entity({ tableName: 'rate_limit_buckets' })
export class RateLimitBucket {
  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'integer' })
  hits!: number;

  @Property({ type: 'timestamptz', index: true })
  resetAt!: Date;
}
