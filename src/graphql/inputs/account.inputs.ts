import { Field, InputType } from 'type-graphql';
import { Role } from '../../domain/entities/index.js';

@InputType('RegisterInput')
export class RegisterInput {
  @Field()
  email!: string;

  @Field({ description: 'At least 10 characters.' })
  password!: string;

  @Field()
  displayName!: string;

  @Field(() => Role, { description: 'PARTICIPANT or PHOTOGRAPHER.' })
  role!: Role;
}

@InputType('LoginInput')
export class LoginInput {
  @Field()
  email!: string;

  @Field()
  password!: string;
}
