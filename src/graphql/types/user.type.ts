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

@ObjectType('AuthPayload')
export class AuthPayloadType {
  @Field({ description: 'Send as `Authorization: Bearer <token>`, or in the graphql-ws connection_init payload.' })
  token!: string;

  @Field({ description: 'When the token stops working; log in again after it.' })
  expiresAt!: Date;

  @Field(() => UserType)
  user!: UserType;
}
