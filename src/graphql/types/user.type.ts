import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../../domain/entities/index.js';

registerEnumType(Role, { name: 'Role', description: 'What an account may do.' });

@ObjectType('User', { description: 'The signed-in account.' })
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  displayName!: string;

  @Field(() => Role)
  role!: Role;

  @Field()
  createdAt!: Date;
}

@ObjectType('Photographer', { description: "An event's photographer, as guests see them." })
export class PhotographerType {
  @Field(() => ID)
  id!: string;

  @Field()
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

  @Field(() => UserType)
  user!: UserType;
}
