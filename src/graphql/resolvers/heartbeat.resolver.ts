import { Repeater } from '@repeaterjs/repeater';
import { Arg, Authorized, Int, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { BadUserInputError } from '../../domain/errors.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { HeartbeatType } from '../types/heartbeat.type.js';

@Resolver()
export class HeartbeatResolver {
  @Authorized()
  @Subscription(() => HeartbeatType, {
    description: 'Emits at once, then every intervalSeconds (1..300, default 30): the connection is alive and signed in.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { intervalSeconds?: number | null }, GraphQLContext>) => {
      const seconds = args.intervalSeconds ?? 30;
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 300) {
        throw new BadUserInputError('intervalSeconds', 'intervalSeconds: must be between 1 and 300.');
      }
      const user = viewerOf(context);
      const expiresAt = context.tokenExpiresAt ?? new Date();
      const beat = (): HeartbeatType => ({ at: new Date(), user, tokenExpiresAt: expiresAt });
      // A Repeater, not an async generator: unsubscribing must clear the timer at once.
      return new Repeater<HeartbeatType>(async (push, stop) => {
        await push(beat());
        const timer = setInterval(() => void push(beat()), seconds * 1000);
        await stop;
        clearInterval(timer);
      });
    },
  })
  heartbeat(
    @Root() beat: HeartbeatType,
    @Arg('intervalSeconds', () => Int, { nullable: true, description: 'Seconds between beats.' }) _intervalSeconds: number | null,
  ): HeartbeatType {
    return beat;
  }
}
