import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../../domain/entities/index.js';

registerEnumType(Role, {
  name: 'Role',
  description: 'What an account may do.',
  valuesConfig: {
    PARTICIPANT: { description: 'A guest: joins events and finds their photos.' },
    PHOTOGRAPHER: { description: 'Creates events and uploads their photos.' },
    ADMIN: { description: 'Operates FindMe (appointed by the operator; never chosen at registration).' },
  },
});

@ObjectType('User', { description: 'The signed-in account.' })
export class UserType {
  @Field(() => ID, { description: 'Its id.' })
  id!: string;

  @Field({ description: 'Sign-in address.' })
  email!: string;

  @Field({ description: 'The name others see.' })
  displayName!: string;

  @Field(() => Role, { description: 'What it may do.' })
  role!: Role;

  @Field({ description: 'When it was created.' })
  createdAt!: Date;
}

@ObjectType('Photographer', { description: "An event's photographer, as guests see them." })
export class PhotographerType {
  @Field(() => ID, { description: 'Their id.' })
  id!: string;

  @Field({ description: 'Their display name.' })
  displayName!: string;
}

@ObjectType('AuthPayload', { description: 'A signed-in session: a short-lived access token and the refresh token that renews it.' })
export class AuthPayloadType {
  @Field({ description: 'Send as `Authorization: Bearer <token>`, or in the graphql-ws connection_init payload.' })
  token!: string;

  @Field({ description: 'When the token stops working: call refreshSession before then (or sign in again).' })
  expiresAt!: Date;

  @Field(() => String, {
    nullable: true,
    description:
      'Single use: exchange it with refreshSession for a new token and a new refresh token. Null when the request asked for the refresh cookie (`X-FindMe-Refresh: cookie`): the token is then only in an HttpOnly cookie.',
  })
  refreshToken!: string | null;

  @Field({ description: 'When the refresh token stops working if it is not used.' })
  refreshExpiresAt!: Date;

  @Field(() => UserType, { description: 'The signed-in account.' })
  user!: UserType;
}
