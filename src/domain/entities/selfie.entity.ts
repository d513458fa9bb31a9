import { Entity, Enum, Index, ManyToOne, Property, type Ref, type Opt } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { User } from './user.entity.js';

export enum SelfieStatus {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
  REJECTED = 'REJECTED',
  REPLACED = 'REPLACED',
}

/** A participant's reference photo; at most one is ACTIVE per user. */
@Entity({ tableName: 'selfies' })
@Index({ properties: ['user', 'status'] })
export class Selfie extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @Property({ type: 'text' })
  objectKey!: string;

  @Property({ type: 'text' })
  contentType!: string;

  @Property({ type: 'integer' })
  byteSize!: number;

  @Enum({ items: () => SelfieStatus, nativeEnumName: 'selfie_status' })
  status: Opt<SelfieStatus> = SelfieStatus.PENDING;

  /** Why validation refused it, in words the guest can act on. */
  @Property({ type: 'text', nullable: true })
  validationMessage: string | null = null;

  /** 128 float32 values (local engine); null for engines that keep vectors themselves. */
  @Property({ type: 'blob', nullable: true, lazy: true })
  vector: Buffer | null = null;

  @Property({ type: 'text', nullable: true })
  engineFaceId: string | null = null;
}
