import { Field, InputType, Int } from 'type-graphql';
import { DateScalar } from '../scalars.js';

@InputType('CreateEventInput')
export class CreateEventInput {
  @Field()
  name!: string;

  @Field(() => DateScalar)
  date!: string;

  @Field(() => String, { nullable: true, description: 'Chosen join code; generated from the name when omitted.' })
  code?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Days after the event date that face data is kept (1..1095); the operator default (90) when omitted.',
  })
  faceRetentionDays?: number | null;
}
