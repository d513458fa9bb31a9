import { Entity, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { User } from './user.entity.js';

/**
 * A signed-in device: one family of rotating refresh tokens. Revoking it
 * (logout, a reused refresh token) ends its refresh tokens and the access
 * tokens issued with them.
 */
@Entity({ tableName: 'auth_sessions' })
@Index({ properties: ['user'] })
export class AuthSession extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  /** The last refresh token's expiry: after it, the session is over. */
  @Property({ type: 'timestamptz' })
  expiresAt!: Date;
}

/** One refresh token of a session; only its SHA-256 is stored. Spent when rotated. */
@Entity({ tableName: 'refresh_tokens' })
@Index({ properties: ['session'] })
export class RefreshToken extends BaseEntity {
  @ManyToOne(() => AuthSession, { ref: true, deleteRule: 'cascade' })
  session!: Ref<AuthSession>;

  @Property({ type: 'text' })
  @Unique()
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;
}
