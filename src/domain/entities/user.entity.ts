import { Entity, Enum, Index, Property, Unique, type Opt } from '@mikro-orm/core';
import { BaseEntity } from './base.js';

export enum Role {
  PARTICIPANT = 'PARTICIPANT',
  PHOTOGRAPHER = 'PHOTOGRAPHER',
  ADMIN = 'ADMIN',
}

@Entity({ tableName: 'users' })
export class User extends BaseEntity {
  /** Stored lower-cased, so uniqueness is case-insensitive. */
  @Property({ type: 'text' })
  @Unique()
  email!: string;

  @Property({ type: 'text' })
  displayName!: string;

  /** argon2id; never exposed. Null for a guest who signs in with emailed links only. */
  @Property({ type: 'text', hidden: true, lazy: true, nullable: true })
  passwordHash: string | null = null;

  @Enum({ items: () => Role, nativeEnumName: 'user_role' })
  @Index()
  role: Opt<Role> = Role.PARTICIPANT;

  @Property({ type: 'boolean', default: true })
  active: Opt<boolean> = true;

  /** When the owner of the address proved it (an emailed link, a password reset, the operator's shell); null until then. */
  @Property({ type: 'timestamptz', nullable: true })
  emailVerifiedAt: Date | null = null;

  /** Bumped to invalidate every token issued before (password reset, logout everywhere). */
  @Property({ type: 'integer', default: 0 })
  tokenVersion: Opt<number> = 0;
}
