import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('PrivacyPolicy', { description: 'The consent text guests agree to, and how long their data is kept.' })
export class PrivacyPolicyType {
  @Field()
  version!: string;

  @Field()
  consentText!: string;

  @Field(() => Int, { description: 'Days after the event date that face data of an event is kept by default.' })
  faceDataRetentionDays!: number;

  @Field(() => [String])
  retentionRules!: string[];
}
