import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RematchStatus, SelfieStatus } from '../../domain/entities/index.js';
import { PresignedUploadType } from './photo.type.js';

registerEnumType(RematchStatus, {
  name: 'RematchStatus',
  description: 'QUEUED → RUNNING → DONE; VALIDATION_FAILED when the selfie cannot be used (see message); FAILED on an internal error.',
});

@ObjectType('SelfieUpload')
export class SelfieUploadType {
  @Field(() => ID, { description: 'Pass to completeSelfieUpload once the file is sent.' })
  id!: string;

  @Field(() => PresignedUploadType)
  upload!: PresignedUploadType;
}

@ObjectType('RematchJob', { description: 'Validation of a new selfie and the search for its photos.' })
export class RematchJobType {
  @Field(() => ID)
  id!: string;

  @Field(() => RematchStatus)
  status!: RematchStatus;

  @Field(() => Int, { description: 'Photos searched so far.' })
  processed!: number;

  @Field(() => Int, { description: 'Processed photos in your events.' })
  total!: number;

  @Field(() => Int, { description: 'Photos you were found in.' })
  matched!: number;

  @Field(() => String, { nullable: true, description: 'Why the selfie was refused, in words you can act on.' })
  message!: string | null;

  @Field()
  createdAt!: Date;
}

@ObjectType('RematchProgress', { description: 'One step of a rematch job: read everything from job (the other fields repeat it and stay for older clients).' })
export class RematchProgressType {
  @Field(() => RematchJobType, { description: 'The job as it stands after this step.' })
  job!: RematchJobType;

  @Field(() => RematchStatus, { deprecationReason: 'Use job.status.' })
  status!: RematchStatus;

  @Field(() => Int, { deprecationReason: 'Use job.processed.' })
  processed!: number;

  @Field(() => Int, { deprecationReason: 'Use job.total.' })
  total!: number;

  @Field(() => Int, { deprecationReason: 'Use job.matched.' })
  matched!: number;

  @Field(() => String, { nullable: true, deprecationReason: 'Use job.message.' })
  message!: string | null;
}

@ObjectType('FaceBox', { description: 'Relative to the displayed photo: 0..1 from its top-left corner.' })
export class FaceBoxType {
  @Field(() => Float)
  left!: number;

  @Field(() => Float)
  top!: number;

  @Field(() => Float)
  width!: number;

  @Field(() => Float)
  height!: number;
}

@ObjectType('PhotoMatch', { description: 'Where you are in the photo.' })
export class PhotoMatchType {
  @Field(() => Float, { description: '0..100; 50 is the matching threshold.' })
  similarity!: number;

  @Field(() => FaceBoxType)
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
  @Field(() => ID)
  id!: string;

  @Field(() => SelfieStatus)
  status!: SelfieStatus;

  @Field({ description: 'When you sent it.' })
  uploadedAt!: Date;

  @Field(() => String, { nullable: true, description: 'Why it was refused, in words you can act on; null otherwise.' })
  message!: string | null;

  @Field(() => RematchJobType, { nullable: true, description: 'Your last rematch job (null when none): subscribe to rematchProgress to follow it.' })
  lastJob!: RematchJobType | null;
}
