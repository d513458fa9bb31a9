import { Entity, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { User } from './user.entity.js';

/**
 * Someone a guest looks for who has no phone of their own (a child, a parent).
 * The guest gave consent on their behalf; only that guest ever sees them.
 * The guest themself is not a row: their person id is their user id.
 */
@Entity({ tableName: 'people' })
@Index({ properties: ['owner'] })
export class Person extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  owner!: Ref<User>;

  @Property({ type: 'text' })
  name!: string;

  /** When the guest consented on their behalf, and to which version of the guardian's text. */
  @Property({ type: 'timestamptz' })
  consentedAt!: Date;

  @Property({ type: 'text' })
  consentVersion!: string;
}
