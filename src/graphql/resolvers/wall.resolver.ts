import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { Role, type Event, type Photo } from '../../domain/entities/index.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { mapAsync } from '../live-events.js';
import { toConnection } from '../types/connection.js';
import { EventType } from '../types/event.type.js';
import { PhotoConnection, PhotoType } from '../types/photo.type.js';
import { WallType } from '../types/wall.type.js';

const TOKEN = { description: 'The secret of the wall link (`/wall/<token>`).' } as const;

/** The venue's wall: no sign-in, the link's token is the key. */
@Resolver(() => EventType)
export class WallResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: "The link of the event's wall for the venue's screen (`/wall/<token>`, a secret: anyone holding it sees the photos shown to everyone). Owner and admins only; null unless settings.wall is on.",
  })
  wallUrl(@Root() event: Event, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    return ctx.services.walls.urlFor(viewerOf(ctx), event);
  }

  @Authorized(Role.PHOTOGRAPHER, Role.ADMIN)
  @Mutation(() => EventType, { description: 'Replaces the wall link with a new secret: screens on the old link stop showing photos at once (owner, admin).' })
  rotateWallUrl(@Arg('eventId', () => ID, { description: "The event's id." }) eventId: string, @Ctx() ctx: GraphQLContext): Promise<Event> {
    return ctx.services.walls.rotate(viewerOf(ctx), eventId);
  }

  @Query(() => WallType, { description: "No sign-in: the event's name and join link for the wall's screen. NOT_FOUND when the link is wrong or replaced, or the wall is off." })
  wall(@Arg('token', () => String, TOKEN) token: string, @Ctx() ctx: GraphQLContext): Promise<WallType> {
    return ctx.services.walls.info(token);
  }

  @Query(() => PhotoConnection, {
    description: 'No sign-in: the photos the wall shows (processed and shown to everyone, when the gallery is public), newest first. NOT_FOUND when the link is wrong or replaced, or the wall is off.',
  })
  async wallPhotos(
    @Arg('token', () => String, TOKEN) token: string,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (at most 100).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return toConnection(await ctx.services.walls.photos(token, { first, after }));
  }

  @Subscription(() => PhotoType, {
    description:
      'No sign-in: each photo as the wall may start showing it (processed while shown to everyone, or shown to everyone once processed). Ends when the wall is turned off or its link replaced; NOT_FOUND for a wrong link.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { token: string }, GraphQLContext>) => {
      const event = await context.services.walls.eventOf(args.token);
      const photos = mapAsync(context.live.photosMaybeShown(event.id), (m) => context.freshServices().walls.shown(event.id, m.photoId));
      return context.live.whileAllowed(photos, { eventId: event.id, userId: `wall:${args.token}` }, () => context.freshServices().walls.stillOpen(args.token, event.id));
    },
  })
  wallPhotoAdded(@Root() photo: Photo, @Arg('token', () => String, TOKEN) _token: string): Photo {
    return photo;
  }
}
