import { Entity, Enum, Index, ManyToOne, Property, Unique, type Opt, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { Event } from './event.entity.js';
import { Photo } from './photo.entity.js';
import { User } from './user.entity.js';

export enum DriveImportStatus {
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  FAILED = 'FAILED',
}

/** A Google Drive folder feeding an event: checked for new photos every DRIVE_POLL_SECONDS while ACTIVE. */
@Entity({ tableName: 'drive_imports' })
@Unique({ properties: ['event', 'folderId'] })
export class DriveImport extends BaseEntity {
  @ManyToOne(() => Event, { ref: true, deleteRule: 'cascade' })
  event!: Ref<Event>;

  /** Who connected the folder: the imported photos are theirs, as uploads are. */
  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null' })
  connectedBy: Ref<User> | null = null;

  @Property({ type: 'text' })
  folderId!: string;

  @Property({ type: 'text' })
  folderName!: string;

  @Enum({ items: () => DriveImportStatus, nativeEnumName: 'drive_import_status' })
  status: Opt<DriveImportStatus> = DriveImportStatus.ACTIVE;

  @Property({ type: 'timestamptz', nullable: true })
  lastCheckedAt: Date | null = null;

  /** What went wrong last, as a sentence for the photographer; null once a check succeeds. */
  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  /** Checks in a row that Drive refused for its quota or could not answer: the wait before the next one doubles. */
  @Property({ type: 'integer', default: 0 })
  failures: Opt<number> = 0;

  /** The process checking the folder now, until when: one check at a time, across processes and restarts. */
  @Property({ type: 'text', nullable: true })
  leaseOwner: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  leaseUntil: Date | null = null;

  /** When the next check is due (the maintenance chore queues overdue ones again). */
  @Property({ type: 'timestamptz', nullable: true })
  nextCheckAt: Date | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}

export enum DriveFileOutcome {
  /** Claimed, being downloaded: a restart finishes it. */
  IMPORTING = 'IMPORTING',
  IMPORTED = 'IMPORTED',
  SKIPPED = 'SKIPPED',
}

/** A file a Drive import has seen, once: what became of it. */
@Entity({ tableName: 'drive_files' })
@Unique({ properties: ['driveImport', 'fileId'] })
@Index({ properties: ['driveImport', 'contentMd5'] })
export class DriveFile extends BaseEntity {
  @ManyToOne(() => DriveImport, { ref: true, deleteRule: 'cascade' })
  driveImport!: Ref<DriveImport>;

  @Property({ type: 'text' })
  fileId!: string;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => DriveFileOutcome, nativeEnumName: 'drive_file_outcome' })
  outcome!: DriveFileOutcome;

  /** Why a file was skipped, as a sentence. */
  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  @Property({ type: 'text', nullable: true })
  contentMd5: string | null = null;

  @ManyToOne(() => Photo, { ref: true, nullable: true, deleteRule: 'set null' })
  photo: Ref<Photo> | null = null;
}
