import { Entity, Enum, Filter, Index, ManyToOne, Property, Unique, type Ref, type Opt } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { User } from './user.entity.js';

/** What guests get when they download an original. */
export enum OriginalsPolicy {
  /** The original without GPS position, serial numbers and other identifying metadata (default). */
  STRIPPED = 'STRIPPED',
  /** The file exactly as the photographer uploaded it. */
  UNTOUCHED = 'UNTOUCHED',
}

@Entity({ tableName: 'events' })
@Index({ properties: ['owner', 'date'] })
// An event being deleted is gone for every reader at once; only its deletion job sees it (filters: { live: false }).
@Filter({ name: 'live', cond: { deletingAt: null }, default: true })
export class Event extends BaseEntity {
  @Property({ type: 'text' })
  name!: string;

  /** Human code guests type (`MARIAGE2024`); stored upper-cased, unique. */
  @Property({ type: 'text' })
  @Unique()
  code!: string;

  /** Calendar date, ISO `yyyy-mm-dd`. */
  @Property({ type: 'date' })
  date!: string;

  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  owner!: Ref<User>;

  /** Overrides the engine's default match threshold for this event. */
  @Property({ type: 'double', nullable: true })
  matchThreshold: number | null = null;

  /** Days after `date` that the event's face data is kept (at most 1095). */
  @Property({ type: 'integer', default: 90 })
  faceRetentionDays: Opt<number> = 90;

  /** When the retention job erased the event's face data; no faces are indexed after it. */
  @Property({ type: 'timestamptz', nullable: true })
  @Index()
  faceDataPurgedAt: Date | null = null;

  /** Set when the photographer deletes the event: a background job removes everything, then the row. */
  @Property({ type: 'timestamptz', nullable: true })
  deletingAt: Date | null = null;

  /** When on, photos marked `showInGeneral` are visible to every participant. */
  @Property({ type: 'boolean', default: true })
  publicGallery: Opt<boolean> = true;

  /** When on, a guest who joins sees no photo until the owner approves them. */
  @Property({ type: 'boolean', default: false })
  guestApproval: Opt<boolean> = false;

  /** When on, the event's photos shown to everyone play on the venue's screen at `/wall/<wallToken>`. */
  @Property({ type: 'boolean', default: false })
  wall: Opt<boolean> = false;

  /** The wall link's secret (made when the wall is first turned on; the photographer can replace it). */
  @Property({ type: 'text', nullable: true })
  @Unique()
  wallToken: string | null = null;

  @Enum({ items: () => OriginalsPolicy, nativeEnumName: 'originals_policy', default: OriginalsPolicy.STRIPPED })
  originalsPolicy: Opt<OriginalsPolicy> = OriginalsPolicy.STRIPPED;
}
