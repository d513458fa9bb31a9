import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OriginalsPolicy, ParticipantStatus } from '../../domain/entities/index.js';
import { DateScalar } from '../scalars.js';
import { PhotographerType } from './user.type.js';

registerEnumType(OriginalsPolicy, {
  name: 'OriginalsPolicy',
  description: 'What guests get when they download an original.',
  valuesConfig: {
    STRIPPED: { description: 'The original without GPS position, camera serial numbers and other identifying metadata (default).' },
    UNTOUCHED: { description: 'The file exactly as the photographer uploaded it.' },
  },
});

registerEnumType(ParticipantStatus, {
  name: 'ParticipantStatus',
  description: 'Whether a guest may see the photos of an event that requires approval.',
  valuesConfig: {
    PENDING: { description: 'Joined; waiting for the photographer (sees the event, no photo).' },
    APPROVED: { description: 'Sees their photos (every guest of an event without approval).' },
    REFUSED: { description: 'The photographer refused them: no photo.' },
  },
});

@ObjectType('EventSettings', { description: 'How the event treats its guests and their faces (owner, admin).' })
export class EventSettingsType {
  @Field(() => Float, {
    nullable: true,
    description: "The lowest similarity (PhotoMatch.similarity's scale) that counts as a match in this event; null: the face engine's default (50 for the local engine).",
  })
  matchThreshold!: number | null;

  @Field({ description: 'Photos marked showInGeneral are visible to every participant.' })
  publicGallery!: boolean;

  @Field({ description: 'When on, a guest who joins sees no photo until the photographer approves them (eventParticipants, setParticipantApproval).' })
  guestApproval!: boolean;

  @Field(() => OriginalsPolicy, { description: 'What guests get when they download an original; the owner always gets the file as uploaded.' })
  originalsPolicy!: OriginalsPolicy;

  @Field(() => Int, { description: 'Days after the event date that its face data is kept.' })
  faceRetentionDays!: number;

  @Field({ description: "The venue's wall: a full-screen slideshow of the photos shown to everyone, at Event.wallUrl (off by default)." })
  wall!: boolean;
}

@ObjectType('Event', { description: 'A photographed occasion: its photos, guests and settings.' })
export class EventType {
  @Field(() => ID, { description: 'Its id.' })
  id!: string;

  @Field({ description: 'Its name.' })
  name!: string;

  @Field({ description: 'The code guests type to join (case-insensitive).' })
  code!: string;

  @Field(() => DateScalar, { description: 'Calendar date, yyyy-mm-dd.' })
  date!: string;

  @Field({ description: 'When it was created.' })
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
  @Field({ description: 'The code to join with.' })
  code!: string;

  @Field({ description: 'The event\'s name.' })
  name!: string;

  @Field(() => DateScalar, { description: 'Calendar date, yyyy-mm-dd.' })
  date!: string;

  @Field({ description: 'The photographer\'s display name.' })
  photographerName!: string;
}

@ObjectType('Participation', { description: "A guest's membership of an event, with their consent to face matching." })
export class ParticipationType {
  @Field(() => ID, { description: 'Its id.' })
  id!: string;

  @Field(() => ParticipantStatus, { description: 'PENDING while an event that requires approval waits for the photographer.' })
  status!: ParticipantStatus;

  @Field({ description: 'When you joined.' })
  joinedAt!: Date;

  @Field({ description: 'When you consented to face matching.' })
  consentedAt!: Date;

  @Field({ description: 'Version of the privacy policy consented to.' })
  consentVersion!: string;

  @Field({ description: 'Whether you are searched for in this event\'s photos: false after deleteMyFaceData(eventId), true again once you join the event again.' })
  faceMatching!: boolean;

  @Field({ description: 'Whether you get an email when new photos of you arrive (at most one per event every 15 minutes); see setNewPhotoEmails.' })
  newPhotoEmails!: boolean;

  // Resolved by ParticipationResolver.
  event?: EventType;
}

@ObjectType('Participant', { description: "A guest of an event as its photographer sees them (to approve them, or to see who found photos)." })
export class ParticipantType {
  @Field(() => ID, { description: 'The participation id (setParticipantApproval takes it).' })
  id!: string;

  @Field({ description: 'Their display name.' })
  displayName!: string;

  @Field(() => ParticipantStatus, { description: 'Approved, waiting or refused.' })
  status!: ParticipantStatus;

  @Field({ description: 'When they joined.' })
  joinedAt!: Date;

  @Field({ description: 'When they consented to face matching.' })
  consentedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the photographer approved or refused them.' })
  decidedAt!: Date | null;

  @Field({ description: 'Whether they have a usable selfie.' })
  hasSelfie!: boolean;

  @Field(() => Int, { description: 'Photos of this event they were found in.' })
  matchedPhotoCount!: number;
}
