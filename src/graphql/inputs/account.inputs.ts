import { Field, InputType } from 'type-graphql';
import { Role } from '../../domain/entities/index.js';

@InputType('RegisterInput')
export class RegisterInput {
  @Field()
  email!: string;

  @Field(() => String, {
    nullable: true,
    description: 'At least 10 characters. Optional for a PARTICIPANT, who can sign in with emailed links (requestSignInLink) instead; required for a PHOTOGRAPHER.',
  })
  password?: string | null;

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

@InputType('ChangePasswordInput')
export class ChangePasswordInput {
  @Field({ description: 'Your password now (empty when you have none yet: a guest who signed up without one sets a first password this way).' })
  currentPassword!: string;

  @Field({ description: 'At least 10 characters.' })
  newPassword!: string;
}

@InputType('UpdateProfileInput', { description: 'Fields left out stay as they are.' })
export class UpdateProfileInput {
  @Field(() => String, { nullable: true, description: 'The name photographers and other guests see (1 to 80 characters).' })
  displayName?: string | null;
}
