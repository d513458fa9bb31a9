import { Entity, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { User } from './user.entity.js';

/** A single-use reset token; only its SHA-256 is stored. */
@Entity({ tableName: 'password_reset_tokens' })
@Index({ properties: ['user'] })
export class PasswordResetToken extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @Property({ type: 'text' })
  @Unique()
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;
}

/** A single-use sign-in link mailed to a guest (passwordless); only its SHA-256 is stored. */
@Entity({ tableName: 'sign_in_links' })
@Index({ properties: ['user'] })
export class SignInLink extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @Property({ type: 'text' })
  @Unique()
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;
}
