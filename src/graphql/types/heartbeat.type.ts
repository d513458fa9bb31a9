import { Field, ObjectType } from 'type-graphql';
import { UserType } from './user.type.js';

@ObjectType('Heartbeat', { description: 'A periodic signal that the subscription connection is alive and authenticated.' })
export class HeartbeatType {
  @Field({ description: 'When the server sent it.' })
  at!: Date;

  @Field(() => UserType, { description: 'The signed-in account of the socket.' })
  user!: UserType;

  @Field({ description: 'When the connection token expires; reconnect with a fresh token before then.' })
  tokenExpiresAt!: Date;
}
