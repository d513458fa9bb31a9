import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { Role } from '../../domain/entities/index.js';
import type { DriveImportView } from '../../services/drive-import.service.js';
import type { DriveSkip } from '../../ports/repositories/drive-import.repository.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { mapAsync } from '../live-events.js';
import { DriveImportType, DriveSkippedFileType } from '../types/drive-import.type.js';

const EVENT_ID = { description: "The event's id." } as const;

/** Google Drive folders feeding an event (owner, admin). */
@Resolver(() => DriveImportType)
export class DriveResolver {
  @Authorized(Role.PHOTOGRAPHER, Role.ADMIN)
  @Query(() => String, { nullable: true, description: 'The address to share a Drive folder with (as Viewer) so FindMe can import it; null when Drive import is not configured.' })
  driveServiceAccountEmail(@Ctx() ctx: GraphQLContext): string | null {
    return ctx.services.drive.serviceAccountEmail();
  }

  @Authorized()
  @Query(() => [DriveImportType], { description: "The event's Drive folders, oldest first (owner, admin)." })
  driveImports(@Arg('eventId', () => ID, EVENT_ID) eventId: string, @Ctx() ctx: GraphQLContext): Promise<DriveImportView[]> {
    return ctx.services.drive.list(viewerOf(ctx), eventId);
  }

  @Authorized(Role.PHOTOGRAPHER, Role.ADMIN)
  @Mutation(() => DriveImportType, {
    description:
      "Connects a Drive folder (its link or id) to the event: checks that FindMe can read it (DRIVE_FOLDER_UNREADABLE says whom to share it with), imports its photos and its subfolders', then the new ones every DRIVE_POLL_SECONDS. Connecting a folder again resumes it. Owner, admin.",
  })
  connectDriveFolder(
    @Arg('eventId', () => ID, EVENT_ID) eventId: string,
    @Arg('folderUrl', () => String, { description: 'The folder\'s link (https://drive.google.com/drive/folders/<id>?usp=sharing) or its id.' }) folderUrl: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DriveImportView> {
    return ctx.services.drive.connect(viewerOf(ctx), eventId, folderUrl);
  }

  @Authorized(Role.PHOTOGRAPHER, Role.ADMIN)
  @Mutation(() => ID, { description: 'Stops importing from the folder and forgets it; the photos already imported stay. Returns the id (owner, admin).' })
  disconnectDriveFolder(@Arg('id', () => ID, { description: "The Drive import's id." }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return ctx.services.drive.disconnect(viewerOf(ctx), id);
  }

  @Authorized(Role.PHOTOGRAPHER, Role.ADMIN)
  @Mutation(() => DriveImportType, { description: 'Stops checking the folder until it is resumed (owner, admin).' })
  pauseDriveImport(@Arg('id', () => ID, { description: "The Drive import's id." }) id: string, @Ctx() ctx: GraphQLContext): Promise<DriveImportView> {
    return ctx.services.drive.pause(viewerOf(ctx), id);
  }

  @Authorized(Role.PHOTOGRAPHER, Role.ADMIN)
  @Mutation(() => DriveImportType, { description: 'Checks a paused or failed folder again now, then every DRIVE_POLL_SECONDS (owner, admin).' })
  resumeDriveImport(@Arg('id', () => ID, { description: "The Drive import's id." }) id: string, @Ctx() ctx: GraphQLContext): Promise<DriveImportView> {
    return ctx.services.drive.resume(viewerOf(ctx), id);
  }

  @FieldResolver(() => [DriveSkippedFileType], { description: 'The files most recently skipped, newest first, with the reason.' })
  skippedFiles(
    @Root() driveImport: DriveImportView,
    @Arg('first', () => Int, { nullable: true, description: 'How many (at most 100; 20 when omitted).' }) first: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DriveSkip[]> {
    return ctx.services.drive.skipped(driveImport.id, first ?? 20);
  }

  @Authorized()
  @Subscription(() => DriveImportType, {
    description: "Each change of the event's Drive folders (counts, status, last check, error), live (owner, admin).",
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { eventId: string }, GraphQLContext>) => {
      const viewer = viewerOf(context);
      await context.services.photos.assertCanWatch(viewer, args.eventId);
      // Few watch an event's imports (its photographers): each reloads what changed, so none is shown a stale count.
      const changes = mapAsync(context.live.driveImports(args.eventId), (m) => (m.gone ? Promise.resolve(null) : context.freshServices().drive.reload(m.importId)));
      return context.live.whileAllowed(changes, { eventId: args.eventId, userId: viewer.id }, () => context.freshServices().photos.stillManages(viewer, args.eventId));
    },
  })
  driveImportChanged(@Root() driveImport: DriveImportView, @Arg('eventId', () => ID, EVENT_ID) _eventId: string): DriveImportView {
    return driveImport;
  }
}
