import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PhotoStatus } from '../../domain/entities/index.js';
import type { PresignedUpload } from '../../ports/object-store.js';
import { Connection } from './connection.js';

registerEnumType(PhotoStatus, {
  name: 'PhotoStatus',
  description: 'PENDING (waiting for the upload) → UPLOADED (queued) → PROCESSING → DONE or FAILED.',
  valuesConfig: {
    PENDING: { description: 'Created; waiting for its file.' },
    UPLOADED: { description: 'The file arrived; queued for processing.' },
    PROCESSING: { description: 'A worker is processing it.' },
    DONE: { description: 'Processed: renditions made, faces found and matched.' },
    FAILED: { description: 'Could not be processed; errorCode and errorMessage say why (retryPhoto tries again).' },
  },
});

@ObjectType('Photo', { description: 'One photo of an event, as uploaded and as processed.' })
export class PhotoType {
  @Field(() => ID, { description: 'Its id.' })
  id!: string;

  @Field({ description: 'The file name as uploaded.' })
  originalFilename!: string;

  @Field(() => String, { name: 'sha256', nullable: true, description: 'SHA-256 of the original, when the uploader sent it.' })
  contentSha256!: string | null;

  @Field({ description: 'The original\'s type.' })
  contentType!: string;

  @Field(() => PhotoStatus, { description: 'Where it is in the pipeline.' })
  status!: PhotoStatus;

  @Field(() => String, { nullable: true, description: 'Stable code of the failure (FAILED only), e.g. CORRUPT_IMAGE.' })
  errorCode!: string | null;

  @Field(() => String, { nullable: true, description: 'One sentence for the photographer (FAILED only).' })
  errorMessage!: string | null;

  @Field(() => Int, { nullable: true, description: 'After EXIF rotation; known once DONE.' })
  width!: number | null;

  @Field(() => Int, { description: 'Height in pixels, once processed.', nullable: true })
  height!: number | null;

  @Field(() => Int, { description: 'The original\'s size in bytes.' })
  byteSize!: number;

  @Field(() => Int, { nullable: true, description: 'Faces detected; known once DONE.' })
  faceCount!: number | null;

  @Field({ description: 'Visible to every participant of the event (when its gallery is public).' })
  showInGeneral!: boolean;

  @Field(() => Int, { description: 'Processing attempts so far.' })
  attempts!: number;

  @Field({ description: 'When it was uploaded (requested).' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it was processed.', nullable: true })
  processedAt!: Date | null;
}

export const PhotoConnection = Connection('Photo', PhotoType);

@ObjectType('KeyValue', { description: 'A header or form field of an upload target.' })
export class KeyValueType {
  @Field({ description: 'Its name.' })
  key!: string;

  @Field({ description: 'Its value.' })
  value!: string;
}

/** How to send a file to a presigned upload target (GraphQL enum values serialise as these strings). */
export enum UploadMethod {
  PUT = 'PUT',
  POST = 'POST',
}

registerEnumType(UploadMethod, {
  name: 'UploadMethod',
  description: 'How to send the file to an upload target.',
  valuesConfig: {
    PUT: { description: 'Send the bytes as the request body, with the given headers (the local store).' },
    POST: { description: 'A multipart form: the given fields first, then the file as "file" (S3 presigned POST).' },
  },
});

@ObjectType('PresignedUpload', {
  description: 'PUT: send the bytes to url with headers. POST: multipart form to url with fields first, then the file as "file".',
})
export class PresignedUploadType {
  @Field({ description: 'Where to send the file.' })
  url!: string;

  @Field(() => UploadMethod, { description: 'PUT or POST.' })
  method!: UploadMethod;

  @Field(() => [KeyValueType], { description: 'Headers to send with a PUT (none for a POST).' })
  headers!: KeyValueType[];

  @Field(() => [KeyValueType], { description: 'Form fields to send before the file with a POST (none for a PUT).' })
  fields!: KeyValueType[];

  @Field({ description: 'The target stops accepting the file after this.' })
  expiresAt!: Date;
}

/** The GraphQL shape of a store's upload target (headers and fields as key/value lists). */
export function toPresignedUploadType(upload: PresignedUpload): PresignedUploadType {
  const list = (record: Record<string, string>) => Object.entries(record).map(([key, value]) => ({ key, value }));
  return { ...upload, method: upload.method === 'POST' ? UploadMethod.POST : UploadMethod.PUT, headers: list(upload.headers), fields: list(upload.fields) };
}

@ObjectType('PhotoUpload', { description: 'A photo created for an upload, and where to send its file.' })
export class PhotoUploadType {
  @Field(() => PhotoType, { description: 'The new photo (PENDING).' })
  photo!: PhotoType;

  @Field(() => PresignedUploadType, { description: 'Where to send its file.' })
  upload!: PresignedUploadType;
}

@ObjectType('PhotoStatusEvent', { description: 'A photo\'s status change.' })
export class PhotoStatusEventType {
  @Field(() => PhotoType, { description: 'The photo now (it may already be further along than status).' })
  photo!: PhotoType;

  @Field(() => PhotoStatus, { description: 'The status it left.', nullable: true })
  previousStatus!: PhotoStatus | null;

  @Field(() => PhotoStatus, { description: 'The status this event announces.' })
  status!: PhotoStatus;

  @Field({ description: 'When it changed.' })
  at!: Date;
}

@ObjectType('EventProgress', { description: "An event's photos by status. Keyed by eventId (the key field for normalised caches: there is one per event)." })
export class EventProgressType {
  @Field(() => ID, { description: 'The event\'s id.' })
  eventId!: string;

  @Field(() => Int, { description: 'All photos.' })
  total!: number;

  @Field(() => Int, { description: 'Photos PENDING.' })
  pending!: number;

  @Field(() => Int, { description: 'Photos UPLOADED (queued).' })
  uploaded!: number;

  @Field(() => Int, { description: 'Photos PROCESSING.' })
  processing!: number;

  @Field(() => Int, { description: 'Photos DONE.' })
  done!: number;

  @Field(() => Int, { description: 'Photos FAILED.' })
  failed!: number;

  @Field(() => Int, {
    description: "Photos in the queue up to this event's last waiting one, other events' included (the workers are shared); 0 when none of this event's photos waits.",
  })
  ahead!: number;

  @Field(() => Int, {
    nullable: true,
    description: "About how many seconds until this event's waiting photos are processed: `ahead` at the pace the workers kept over the last minutes. Null when idle, or before any photo has been processed lately.",
  })
  etaSeconds!: number | null;
}

@ObjectType('Download', { description: 'A link that downloads a ZIP of photos, streamed as it is built.' })
export class DownloadType {
  @Field({ description: 'GET it (a browser can simply navigate to it); it works until expiresAt, for the account that asked.' })
  url!: string;

  @Field({ description: 'The link stops working after this.' })
  expiresAt!: Date;

  @Field(() => Int, { description: 'Photos in the ZIP.' })
  photoCount!: number;
}
