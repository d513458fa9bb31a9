import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DriveImportStatus } from '../../domain/entities/index.js';

registerEnumType(DriveImportStatus, {
  name: 'DriveImportStatus',
  description: 'Whether FindMe keeps checking the folder.',
  valuesConfig: {
    ACTIVE: { description: 'Checked for new photos every DRIVE_POLL_SECONDS (and backing off while Google asks it to).' },
    PAUSED: { description: 'Paused by the photographer: not checked until resumed.' },
    FAILED: { description: 'FindMe can no longer read the folder (unshared, deleted, or the credentials were refused): lastError says what to do.' },
  },
});

@ObjectType('DriveSkippedFile', { description: 'A file of the folder that was not imported, and why.' })
export class DriveSkippedFileType {
  @Field({ description: "The file's name in Drive." })
  name!: string;

  @Field({ description: 'Why it was skipped, as a sentence.' })
  reason!: string;

  @Field(() => Date, { description: 'When it was skipped.' })
  at!: Date;
}

@ObjectType('DriveImport', { description: "A Google Drive folder feeding an event: its photos (and its subfolders') are imported as they arrive." })
export class DriveImportType {
  @Field(() => ID, { description: 'Its id.' })
  id!: string;

  @Field(() => ID, { description: 'The event it feeds.' })
  eventId!: string;

  @Field({ description: "The folder's id in Drive." })
  folderId!: string;

  @Field({ description: "The folder's name in Drive." })
  folderName!: string;

  @Field(() => DriveImportStatus, { description: 'Whether FindMe keeps checking the folder.' })
  status!: DriveImportStatus;

  @Field(() => Int, { description: 'Files found so far in the folder and its subfolders (Google Docs, shortcuts and trashed files aside).' })
  filesSeen!: number;

  @Field(() => Int, { description: 'Files imported as photos of the event.' })
  filesImported!: number;

  @Field(() => Int, { description: 'Files not imported (not a photo, too large, already in the event, deleted before download); skippedFiles says why.' })
  filesSkipped!: number;

  @Field(() => Date, { nullable: true, description: 'When the folder was last checked through to its end; null before the first check completes.' })
  lastCheckedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'What went wrong last, as a sentence saying what to do; null once a check succeeds.' })
  lastError!: string | null;
}
