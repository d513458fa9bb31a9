import { Field, InputType, registerEnumType } from 'type-graphql';

/** The roles one can register with: Role without ADMIN (the same strings). */
export enum RegistrationRole {
  PARTICIPANT = 'PARTICIPANT',
  PHOTOGRAPHER = 'PHOTOGRAPHER',
}

registerEnumType(RegistrationRole, {
  name: 'RegistrationRole',
  description: 'The roles an account can be registered with (Role without ADMIN).',
  valuesConfig: {
    PARTICIPANT: { description: 'A guest: joins events and finds their photos (a password is optional).' },
    PHOTOGRAPHER: { description: 'Creates events and uploads their photos (a password is required).' },
  },
});

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

  @Field(() => RegistrationRole, { description: 'A guest or a photographer (administrators are appointed by the operator).' })
  role!: RegistrationRole;
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
