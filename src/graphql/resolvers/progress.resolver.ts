import { Arg, Authorized, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { viewerOf, type GraphQLContext } from '../context.js';
import { coalesce, mapAsync } from '../live-events.js';
import { EventProgressType, PhotoStatusEventType, PhotoType } from '../types/photo.type.js';
import type { Photo } from '../../domain/entities/index.js';

type EventArgs = SubscribeResolverData<unknown, { eventId: string }, GraphQLContext>;

@Resolver()
export class ProgressResolver {
  @Authorized()
  @Subscription(() => PhotoStatusEventType, {
    description: "Every status change of the event's photos (owner, admin).",
    subscribe: async ({ args, context }: EventArgs) => {
      await context.services.photos.assertCanWatch(viewerOf(context), args.eventId);
      return mapAsync(context.live.photoStatus(args.eventId), async (m) => {
        // Messages carry ids; show the photo as it is now.
        const photo = await context.live.shared(`photo:${m.photoId}:${m.status}:${m.at}`, () => context.freshServices().photos.reload(m.photoId));
        return photo ? { photo, previousStatus: m.previousStatus, status: m.status, at: new Date(m.at) } : null;
      });
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
      return coalesce(
        context.live.photoChanges(eventId),
        async () => ({ eventId, ...(await context.freshServices().photos.progress(eventId)) }),
        context.progressMinIntervalMs,
      );
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
      return mapAsync(context.live.newMatches(viewer.id, args.eventId), async (m) => {
        const photo = await context.freshServices().photos.reload(m.photoId);
        return photo && photo.status === 'DONE' ? photo : null;
      });
    },
  })
  myNewPhotos(@Root() photo: Photo, @Arg('eventId', () => ID, { description: 'The event\'s id.' }) _eventId: string): Photo {
    return photo;
  }
}
