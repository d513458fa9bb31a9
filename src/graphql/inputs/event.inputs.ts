import { Field, InputType } from 'type-graphql';
import { DateScalar } from '../scalars.js';

@InputType('CreateEventInput')
export class CreateEventInput {
  @Field()
  name!: string;

  @Field(() => DateScalar)
  date!: string;

  @Field(() => String, { nullable: true, description: 'Chosen join code; generated from the name when omitted.' })
  code?: string | null;
}
