import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RematchStatus, SelfieStatus } from '../../domain/entities/index.js';
import { PresignedUploadType } from './photo.type.js';

registerEnumType(RematchStatus, {
  name: 'RematchStatus',
  description: 'QUEUED → RUNNING → DONE; VALIDATION_FAILED when the selfie cannot be used (see message); FAILED on an internal error.',
  valuesConfig: {
    QUEUED: { description: 'Waiting for a worker.' },
    RUNNING: { description: 'Checking the selfie, then searching your events.' },
    DONE: { description: 'Finished: matched says in how many photos you were found.' },
    VALIDATION_FAILED: { description: 'The selfie cannot be used; message says why and what to do.' },
    FAILED: { description: 'An internal error; send the selfie again.' },
  },
});

@ObjectType('SelfieUpload', { description: 'A selfie created for an upload, and where to send its file.' })
export class SelfieUploadType {
  @Field(() => ID, { description: 'Pass to completeSelfieUpload once the file is sent.' })
  id!: string;

  @Field(() => PresignedUploadType, { description: 'Where to send the file.' })
  upload!: PresignedUploadType;
}

@ObjectType('RematchJob', { description: 'Validation of a new selfie and the search for its photos.' })
export class RematchJobType {
  @Field(() => ID, { description: 'Its id.' })
  id!: string;

  @Field(() => RematchStatus, { description: 'Where it stands.' })
  status!: RematchStatus;

  @Field(() => Int, { description: 'Photos searched so far.' })
  processed!: number;

  @Field(() => Int, { description: 'Processed photos in your events.' })
  total!: number;

  @Field(() => Int, { description: 'Photos you were found in.' })
  matched!: number;

  @Field(() => String, { nullable: true, description: 'Why the selfie was refused, in words you can act on.' })
  message!: string | null;

  @Field({ description: 'When the selfie was sent.' })
  createdAt!: Date;
}

@ObjectType('RematchProgress', { description: 'One step of a rematch job: read everything from job (the other fields repeat it and stay for older clients).' })
export class RematchProgressType {
  @Field(() => RematchJobType, { description: 'The job as it stands after this step.' })
  job!: RematchJobType;

  @Field(() => RematchStatus, { description: 'Same as job.status.', deprecationReason: 'Use job.status.' })
  status!: RematchStatus;

  @Field(() => Int, { description: 'Same as job.processed.', deprecationReason: 'Use job.processed.' })
  processed!: number;

  @Field(() => Int, { description: 'Same as job.total.', deprecationReason: 'Use job.total.' })
  total!: number;

  @Field(() => Int, { description: 'Same as job.matched.', deprecationReason: 'Use job.matched.' })
  matched!: number;

  @Field(() => String, { nullable: true, description: 'Same as job.message.', deprecationReason: 'Use job.message.' })
  message!: string | null;
}

@ObjectType('FaceBox', { description: 'Relative to the displayed photo: 0..1 from its top-left corner.' })
export class FaceBoxType {
  @Field(() => Float, { description: 'Left edge, as a fraction of the width.' })
  left!: number;

  @Field(() => Float, { description: 'Top edge, as a fraction of the height.' })
  top!: number;

  @Field(() => Float, { description: 'Width, as a fraction of the photo.' })
  width!: number;

  @Field(() => Float, { description: 'Height, as a fraction of the photo.' })
  height!: number;
}

@ObjectType('PhotoMatch', { description: 'Where you are in the photo.' })
export class PhotoMatchType {
  @Field(() => Float, { description: '0..100; 50 is the matching threshold.' })
  similarity!: number;

  @Field(() => FaceBoxType, { description: 'Where your face is.' })
  box!: FaceBoxType;
}

registerEnumType(SelfieStatus, {
  name: 'SelfieStatus',
  description: 'Where a selfie stands.',
  valuesConfig: {
    PENDING: { description: 'Uploaded or being checked.' },
    ACTIVE: { description: 'In use: your photos are found with it.' },
    REJECTED: { description: 'Refused: see its message, and take another.' },
    REPLACED: { description: 'A newer selfie took its place.' },
  },
});

@ObjectType('SelfieState', { description: 'Your selfie as it stands, for a client that reloads.' })
export class SelfieStateType {
  @Field(() => ID, { description: 'The selfie\'s id.' })
  id!: string;

  @Field(() => SelfieStatus, { description: 'Where it stands.' })
  status!: SelfieStatus;

  @Field({ description: 'When you sent it.' })
  uploadedAt!: Date;

  @Field(() => String, { nullable: true, description: 'Why it was refused, in words you can act on; null otherwise.' })
  message!: string | null;

  @Field(() => RematchJobType, { nullable: true, description: 'Your last rematch job (null when none): subscribe to rematchProgress to follow it.' })
  lastJob!: RematchJobType | null;
}
