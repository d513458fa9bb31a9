import { Arg, Authorized, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { viewerOf, type GraphQLContext } from '../context.js';
import { coalesce, mapAsync } from '../live-events.js';
import { EventProgressType, PhotoStatusEventType, PhotoType } from '../types/photo.type.js';
import type { Photo } from '../../domain/entities/index.js';

type EventArgs = SubscribeResolverData<unknown, { eventId: string }, GraphQLContext>;

/** Whether an access check passes now (its error means no). */
function allows(check: Promise<unknown>): Promise<boolean> {
  return check.then(
    () => true,
    () => false,
  );
}

/** The event's processing, for as long as the subscriber manages the event (owner, admin), through its deletion. */
function whileManager<T>(context: GraphQLContext, eventId: string, source: AsyncIterable<T>): AsyncIterable<T> {
  const viewer = viewerOf(context);
  return context.live.whileAllowed(source, { eventId, userId: viewer.id }, () => context.freshServices().photos.stillManages(viewer, eventId));
}

@Resolver()
export class ProgressResolver {
  @Authorized()
  @Subscription(() => PhotoStatusEventType, {
    description: "Every status change of the event's photos (owner, admin).",
    subscribe: async ({ args, context }: EventArgs) => {
      await context.services.photos.assertCanWatch(viewerOf(context), args.eventId);
      const statuses = mapAsync(context.live.photoStatus(args.eventId), async (m) => {
        // Messages carry ids; show the photo as it is now.
        const photo = await context.live.shared(`photo:${m.photoId}:${m.status}:${m.at}`, () => context.freshServices().photos.reload(m.photoId));
        return photo ? { photo, previousStatus: m.previousStatus, status: m.status, at: new Date(m.at) } : null;
      });
      return whileManager(context, args.eventId, statuses);
    },
  })
  photoStatusChanged(@Root() event: PhotoStatusEventType, @Arg('eventId', () => ID, { description: 'The event\'s id.' }) _eventId: string): PhotoStatusEventType {
    return event;
  }

  @Authorized()
  @Subscription(() => EventProgressType, {
    description: 'Counts by status: at once, then after changes, coalesced to a few updates per second (owner, admin).',
    subscribe: async ({ args, context }: EventArgs) => {
      await context.services.photos.assertCanWatch(viewerOf(context), args.eventId);
      const { eventId } = args;
      const counts = coalesce(
        context.live.photoChanges(eventId),
        async () => ({ eventId, ...(await context.freshServices().photos.progress(eventId)) }),
        context.progressMinIntervalMs,
      );
      return whileManager(context, eventId, counts);
    },
  })
  eventProgress(@Root() progress: EventProgressType, @Arg('eventId', () => ID, { description: 'The event\'s id.' }) _eventId: string): EventProgressType {
    return progress;
  }

  @Authorized()
  @Subscription(() => PhotoType, {
    description: 'Each photo of the event you are newly found in, as soon as it is processed (members of the event).',
    subscribe: async ({ args, context }: EventArgs) => {
      const viewer = viewerOf(context);
      await context.services.events.assertCanSeePhotos(viewer, args.eventId);
      const photos = mapAsync(context.live.newMatches(viewer.id, args.eventId), async (m) => {
        const photo = await context.freshServices().photos.reload(m.photoId);
        return photo && photo.status === 'DONE' ? photo : null;
      });
      // Refused, gone or deleted: nothing more, and the subscription ends.
      return context.live.whileAllowed(photos, { eventId: args.eventId, userId: viewer.id }, () => allows(context.freshServices().events.assertCanSeePhotos(viewer, args.eventId)));
    },
  })
  myNewPhotos(@Root() photo: Photo, @Arg('eventId', () => ID, { description: 'The event\'s id.' }) _eventId: string): Photo {
    return photo;
  }
}
