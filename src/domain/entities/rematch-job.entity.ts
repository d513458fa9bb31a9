import { Entity, Enum, Index, ManyToOne, Property, type Opt, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { Selfie } from './selfie.entity.js';
import { User } from './user.entity.js';

export enum RematchStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  DONE = 'DONE',
  FAILED = 'FAILED',
  VALIDATION_FAILED = 'VALIDATION_FAILED',
}

/** Validating a new selfie and matching it against the participant's events, or (no selfie) searching again after a "this is me". */
@Entity({ tableName: 'rematch_jobs' })
@Index({ properties: ['user', 'createdAt'] })
export class RematchJob extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  /** The person searched for: the guest's user id or a Person they added. */
  @Property({ type: 'uuid' })
  personId!: string;

  /** The new selfie; null for a search started by a claimed face. */
  @ManyToOne(() => Selfie, { ref: true, deleteRule: 'cascade', nullable: true })
  selfie: Ref<Selfie> | null = null;

  @Enum({ items: () => RematchStatus, nativeEnumName: 'rematch_status' })
  status: Opt<RematchStatus> = RematchStatus.QUEUED;

  @Property({ type: 'integer', default: 0 })
  processed: Opt<number> = 0;

  @Property({ type: 'integer', default: 0 })
  total: Opt<number> = 0;

  @Property({ type: 'integer', default: 0 })
  matched: Opt<number> = 0;

  @Property({ type: 'text', nullable: true })
  message: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null = null;
}
