import { Field, InputType } from 'type-graphql';
import { Role } from '../../domain/entities/index.js';

@InputType('RegisterInput', { description: 'A new account.' })
export class RegisterInput {
  @Field({ description: 'Sign-in address; one account per address.' })
  email!: string;

  @Field(() => String, {
    nullable: true,
    description: 'At least 10 characters. Optional for a PARTICIPANT, who can sign in with emailed links (requestSignInLink) instead; required for a PHOTOGRAPHER.',
  })
  password?: string | null;

  @Field({ description: 'The name others see (1 to 80 characters).' })
  displayName!: string;

  @Field(() => Role, { description: 'PARTICIPANT or PHOTOGRAPHER.' })
  role!: Role;
}

@InputType('LoginInput', { description: 'Credentials.' })
export class LoginInput {
  @Field({ description: 'The account email.' })
  email!: string;

  @Field({ description: 'The password.' })
  password!: string;
}

@InputType('ChangePasswordInput', { description: 'A new password, with the current one.' })
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
