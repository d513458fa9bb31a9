import { Entity, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { User } from './user.entity.js';

/** A token mailed to a user that works once and expires; only its SHA-256 is stored. */
export abstract class EmailedToken extends BaseEntity {
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

/** A password reset link's token. */
@Entity({ tableName: 'password_reset_tokens' })
@Index({ properties: ['user'] })
export class PasswordResetToken extends EmailedToken {}

/** A guest's sign-in link (passwordless). */
@Entity({ tableName: 'sign_in_links' })
@Index({ properties: ['user'] })
export class SignInLink extends EmailedToken {}
