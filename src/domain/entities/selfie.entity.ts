import { Entity, Enum, Index, ManyToOne, Property, type Ref, type Opt } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { User } from './user.entity.js';

export enum SelfieStatus {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
  REJECTED = 'REJECTED',
  REPLACED = 'REPLACED',
}

/** A reference photo of a person a guest looks for (themself or someone they added); at most 3 are ACTIVE per person. */
@Entity({ tableName: 'selfies' })
@Index({ properties: ['user', 'status'] })
@Index({ properties: ['personId', 'status'] })
export class Selfie extends BaseEntity {
  /** The guest who sent it (and owns the person). */
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  /** Whose face it is: the guest's own user id, or a Person they added. */
  @Property({ type: 'uuid' })
  personId!: string;

  /** True: it joins the person's other selfies (the oldest goes past 3); false: it replaces them. */
  @Property({ type: 'boolean', default: false })
  adds: Opt<boolean> = false;

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
