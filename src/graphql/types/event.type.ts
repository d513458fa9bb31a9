import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { DateScalar } from '../scalars.js';
import { PhotographerType } from './user.type.js';

@ObjectType('EventSettings')
export class EventSettingsType {
  @Field(() => Float, { nullable: true, description: "Overrides the face engine's match threshold for this event." })
  matchThreshold!: number | null;

  @Field({ description: 'Photos marked showInGeneral are visible to every participant.' })
  publicGallery!: boolean;
}

@ObjectType('Event')
export class EventType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'The code guests type to join (case-insensitive).' })
  code!: string;

  @Field(() => DateScalar)
  date!: string;

  @Field()
  createdAt!: Date;

  @Field(() => Int, { description: 'Days after the event date that its face data (templates, matches) is kept.' })
  faceRetentionDays!: number;

  @Field(() => Date, { nullable: true, description: 'When the face data of the event was erased (retention); no face matching after it.' })
  faceDataPurgedAt!: Date | null;

  // Resolved by EventResolver.
  photographer?: PhotographerType;
  settings?: EventSettingsType;
}

@ObjectType('EventPreview', { description: 'What anyone with the code sees before joining.' })
export class EventPreviewType {
  @Field()
  code!: string;

  @Field()
  name!: string;

  @Field(() => DateScalar)
  date!: string;

  @Field()
  photographerName!: string;
}

@ObjectType('Participation', { description: "A guest's membership of an event, with their consent to face matching." })
export class ParticipationType {
  @Field()
  joinedAt!: Date;

  @Field()
  consentedAt!: Date;

  @Field({ description: 'Version of the privacy policy consented to.' })
  consentVersion!: string;

  // Resolved by ParticipationResolver.
  event?: EventType;
}
