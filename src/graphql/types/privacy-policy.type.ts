import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('PrivacyPolicy', { description: 'The consent text guests agree to, and how long their data is kept.' })
export class PrivacyPolicyType {
  @Field({ description: 'Recorded with each consent.' })
  version!: string;

  @Field({ description: 'The text a guest agrees to when joining.' })
  consentText!: string;

  @Field(() => Int, { description: 'Days after the event date that face data of an event is kept by default.' })
  faceDataRetentionDays!: number;

  @Field(() => [String], { description: 'How long face data is kept.' })
  retentionRules!: string[];

  @Field({ description: 'Recorded with each person a guest adds (addPerson consentVersion).' })
  guardianConsentVersion!: string;

  @Field({ description: 'The text a guest agrees to, on their behalf, when they add someone without a phone to look for.' })
  guardianConsentText!: string;
}
