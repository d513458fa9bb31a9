import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { FaceBoxType } from './selfie.type.js';

@ObjectType('Person', { description: 'Someone you look for: you (isMe, always first) or a person without a phone you added (a child, a parent). Only you see them.' })
export class PersonType {
  @Field(() => ID, { description: "Their id (yours, for you): pass it as personId to requestSelfieUpload, myPhotos, claimFace and rejectMatch." })
  id!: string;

  @Field({ description: 'Your display name, or the name you gave them.' })
  name!: string;

  @Field({ description: 'True for you.' })
  isMe!: boolean;
}

@InputType('AddPersonInput', { description: 'A person without a phone to look for.' })
export class AddPersonInput {
  @Field({ description: 'What you call them (1 to 60 characters), shown only to you.' })
  name!: string;

  @Field({ description: 'privacyPolicy.guardianConsentVersion: you consent on their behalf to that text.' })
  consentVersion!: string;
}

@ObjectType('PhotoFace', { description: 'A face found in a photo.' })
export class PhotoFaceType {
  @Field(() => Int, { description: 'Its position in the photo: pass it to claimFace.' })
  index!: number;

  @Field(() => FaceBoxType, { description: 'Where it is, as 0..1 fractions of the displayed photo.' })
  box!: FaceBoxType;

  @Field(() => ID, { nullable: true, description: 'One of your people (you or someone you added) when it is matched to them; null otherwise (never anyone else).' })
  personId!: string | null;
}

@ObjectType('EventCoverage', { description: "How well the event's guests are covered by its processed photos." })
export class EventCoverageType {
  @Field(() => Int, { description: 'Faces found in processed photos.' })
  faces!: number;

  @Field(() => Int, { description: 'Of those, faces matched to a guest (or someone a guest looks for).' })
  matchedFaces!: number;

  @Field(() => Float, { description: 'matchedFaces / faces (0 when no face was found).' })
  matchedShare!: number;

  @Field(() => Int, { description: 'Processed photos.' })
  photos!: number;

  @Field(() => Int, { description: 'Processed photos no guest was found in: list them with photos(withoutGuests: true), and show them to everyone.' })
  photosWithoutGuests!: number;
}

