import { Entity, Enum, Index, ManyToOne, Property, Unique, type Ref, type Opt } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { Event } from './event.entity.js';
import { User } from './user.entity.js';

/** Whether a guest may see the event's photos (events with guest approval start them PENDING). */
export enum ParticipantStatus {
  PENDING = 'PENDING',
  APPROVED = 'APPROVED',
  REFUSED = 'REFUSED',
}

@Entity({ tableName: 'participations' })
@Unique({ properties: ['user', 'event'] })
@Index({ properties: ['event'] })
export class Participation extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @ManyToOne(() => Event, { ref: true, deleteRule: 'cascade' })
  event!: Ref<Event>;

  @Property({ type: 'timestamptz' })
  joinedAt: Opt<Date> = new Date();

  /** When the guest consented to face matching, and to which text version. */
  @Property({ type: 'timestamptz' })
  consentedAt!: Date;

  @Property({ type: 'text' })
  consentVersion!: string;

  /** The face engine's reference for the participant's selfie in this event (vector id or Rekognition FaceId). */
  @Property({ type: 'text', nullable: true })
  engineFaceRef: string | null = null;

  @Enum({ items: () => ParticipantStatus, nativeEnumName: 'participant_status', default: ParticipantStatus.APPROVED })
  status: Opt<ParticipantStatus> = ParticipantStatus.APPROVED;

  /** When the owner approved or refused the guest. */
  @Property({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null = null;

  /** Face matching in this event: off once the guest deleted their face data for it, on again when they join again. */
  @Property({ type: 'boolean', default: true })
  faceMatching: Opt<boolean> = true;

  /** The guest asked for an email when new photos of them arrive (off by default). */
  @Property({ type: 'boolean', default: false })
  newPhotoEmails: Opt<boolean> = false;

  /** Matches made after this are news for that email (set when the guest opts in, and at each email). */
  @Property({ type: 'timestamptz', nullable: true })
  newPhotosSince: Date | null = null;

  /** When the last of those emails went out (at most one per event per interval). */
  @Property({ type: 'timestamptz', nullable: true })
  lastDigestAt: Date | null = null;
}
