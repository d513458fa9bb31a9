import { Field, Float, InputType, Int } from 'type-graphql';
import { OriginalsPolicy } from '../../domain/entities/index.js';
import { DateScalar } from '../scalars.js';

@InputType('EventSettingsInput', { description: 'Event settings to change; omitted ones keep their value.' })
export class EventSettingsInput {
  @Field(() => Boolean, { nullable: true, description: 'Photos marked showInGeneral are visible to every participant.' })
  publicGallery?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Guests see no photo until the photographer approves them.' })
  guestApproval?: boolean | null;

  @Field(() => OriginalsPolicy, { nullable: true, description: 'What guests get when they download an original.' })
  originalsPolicy?: OriginalsPolicy | null;

  @Field(() => Int, { nullable: true, description: 'Days after the event date that face data is kept (1..1095).' })
  faceRetentionDays?: number | null;

  @Field(() => Boolean, { nullable: true, description: "The venue's wall, a slideshow of the photos shown to everyone at Event.wallUrl; its link is made the first time it is turned on." })
  wall?: boolean | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "The lowest similarity that counts as a match in this event, 1..99 on the scale PhotoMatch.similarity reports (higher: fewer wrong matches, more missed guests). null returns to the face engine's default; omitted keeps it. Applies to searches from now on.",
  })
  matchThreshold?: number | null;
}

@InputType('CreateEventInput', { description: 'A new event.' })
export class CreateEventInput {
  @Field({ description: 'Shown to guests (1 to 120 characters).' })
  name!: string;

  @Field(() => DateScalar, { description: 'Calendar date, yyyy-mm-dd.' })
  date!: string;

  @Field(() => String, { nullable: true, description: 'Chosen join code (at least 6 letters or digits, not a common word); a random 8-character code (`7K3P-9QXZ`) when omitted.' })
  code?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Days after the event date that face data is kept (1..1095); the operator default (90) when omitted.',
  })
  faceRetentionDays?: number | null;

  @Field(() => EventSettingsInput, { nullable: true, description: 'Settings other than the defaults.' })
  settings?: EventSettingsInput | null;
}

@InputType('UpdateEventInput', { description: 'What to change; omitted fields keep their value.' })
export class UpdateEventInput {
  @Field(() => String, { description: 'The new name.', nullable: true })
  name?: string | null;

  @Field(() => DateScalar, { description: 'Calendar date, yyyy-mm-dd.', nullable: true })
  date?: string | null;

  @Field(() => EventSettingsInput, { description: 'Settings to change.', nullable: true })
  settings?: EventSettingsInput | null;
}
