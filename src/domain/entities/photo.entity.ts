import { Entity, Enum, Index, ManyToOne, Property, Unique, type Ref, type Opt } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { Event } from './event.entity.js';
import { User } from './user.entity.js';

export enum PhotoStatus {
  PENDING = 'PENDING',
  UPLOADED = 'UPLOADED',
  PROCESSING = 'PROCESSING',
  DONE = 'DONE',
  FAILED = 'FAILED',
}

@Entity({ tableName: 'photos' })
@Index({ properties: ['event', 'status'] })
@Index({ properties: ['event', 'createdAt', 'id'] })
@Index({ properties: ['status', 'updatedAt'] })
// A guest's gallery adds the event's general photos to their matches: never a scan of the event for them.
@Index({ name: 'photos_general_index', expression: `create index "photos_general_index" on "photos" ("event_id", "created_at" desc, "id" desc) where "show_in_general" and "status" = 'DONE'` })
// The workers' recent pace and the queue in upload order (eventProgress.etaSeconds).
@Index({ name: 'photos_processed_at_index', expression: `create index "photos_processed_at_index" on "photos" ("processed_at") where "processed_at" is not null` })
@Index({ name: 'photos_queued_index', expression: `create index "photos_queued_index" on "photos" ("created_at") where "status" in ('UPLOADED', 'PROCESSING')` })
@Unique({ properties: ['event', 'contentSha256'] })
export class Photo extends BaseEntity {
  @ManyToOne(() => Event, { ref: true, deleteRule: 'cascade' })
  event!: Ref<Event>;

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null' })
  uploader: Ref<User> | null = null;

  @Property({ type: 'text' })
  originalFilename!: string;

  @Property({ type: 'text' })
  contentType!: string;

  @Property({ type: 'integer' })
  byteSize!: number;

  @Property({ type: 'text' })
  originalKey!: string;

  @Property({ type: 'text', nullable: true })
  displayKey: string | null = null;

  /** The original as guests download it (GPS and serial numbers removed); null until processed. */
  @Property({ type: 'text', nullable: true })
  guestOriginalKey: string | null = null;

  /** The worker (heartbeat id) processing the photo; its silence releases the photo. */
  @Property({ type: 'text', nullable: true })
  workerId: string | null = null;

  @Property({ type: 'text', nullable: true })
  thumbnailKey: string | null = null;

  @Property({ type: 'integer', nullable: true })
  width: number | null = null;

  @Property({ type: 'integer', nullable: true })
  height: number | null = null;

  @Enum({ items: () => PhotoStatus, nativeEnumName: 'photo_status' })
  status: Opt<PhotoStatus> = PhotoStatus.PENDING;

  @Property({ type: 'text', nullable: true })
  errorCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  errorMessage: string | null = null;

  @Property({ type: 'integer', default: 0 })
  attempts: Opt<number> = 0;

  @Property({ type: 'integer', nullable: true })
  faceCount: number | null = null;

  @Property({ type: 'boolean', default: false })
  showInGeneral: Opt<boolean> = false;

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();

  /** Hex SHA-256 of the original as the uploader computed it; unique per event. */
  @Property({ type: 'text', nullable: true })
  contentSha256: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  processedAt: Date | null = null;

  /** When the file was last modified where it came from (Google Drive's modifiedTime), when known. */
  @Property({ type: 'timestamptz', nullable: true })
  sourceModifiedAt: Date | null = null;

  /** When the event's participants were searched for in this photo; null while a batched search is pending. */
  @Property({ type: 'timestamptz', nullable: true })
  participantsMatchedAt: Date | null = null;
}
