import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PhotoStatus, type Event, type Photo } from '../../domain/entities/index.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { UploadFileInput } from '../inputs/photo.inputs.js';
import { toConnection } from '../types/connection.js';
import { EventType } from '../types/event.type.js';
import { DownloadType, PhotoConnection, PhotoType, PhotoUploadType, toPresignedUploadType } from '../types/photo.type.js';
import { PhotoMatchType } from '../types/selfie.type.js';
import { EventCoverageType, PhotoFaceType } from '../types/person.type.js';

@Resolver(() => PhotoType)
export class PhotoResolver {
  @Authorized()
  @Query(() => PhotoConnection, { description: "The event's photos in upload order (owner, admin)." })
  async photos(
    @Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string,
    @Arg('status', () => PhotoStatus, { nullable: true, description: 'Only photos in this status.' }) status: PhotoStatus | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (at most 100).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
    @Arg('withoutGuests', () => Boolean, { nullable: true, description: 'Only processed photos no guest was found in (to show them to everyone).' }) withoutGuests?: boolean | null,
  ) {
    return toConnection(await ctx.services.photos.list(viewerOf(ctx), eventId, status, { first, after }, Boolean(withoutGuests)));
  }

  @Authorized()
  @Query(() => EventCoverageType, { description: "How well the event's guests are covered: faces found, faces matched to a guest, photos no guest was found in (owner, admin)." })
  async eventCoverage(@Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string, @Ctx() ctx: GraphQLContext): Promise<EventCoverageType> {
    const c = await ctx.services.photos.coverage(viewerOf(ctx), eventId);
    return { ...c, matchedShare: c.faces === 0 ? 0 : c.matchedFaces / c.faces };
  }

  @Authorized()
  @Query(() => PhotoType, { nullable: true, description: 'A photo you may see; its URLs are signed and short-lived.' })
  photo(@Arg('id', () => ID, { description: 'The photo\'s id.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.photos.getVisible(viewerOf(ctx), id);
  }

  @Authorized()
  @Query(() => [PhotoType], { description: "The event's photos with these SHA-256 hashes (owner, admin): what an uploader can skip. At most PHOTO_BATCH_MAX hashes." })
  photosByHash(@Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string, @Arg('sha256', () => [String], { description: 'SHA-256 of each file (hex), computed before uploading.' }) sha256: string[], @Ctx() ctx: GraphQLContext) {
    return ctx.services.photos.byHashes(viewerOf(ctx), eventId, sha256);
  }

  @Authorized()
  @Mutation(() => [PhotoUploadType], { description: 'Creates PENDING photos and a signed upload target for each (owner, admin). Throttled per account and per IP (RATE_LIMITED).' })
  async requestPhotoUploads(
    @Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string,
    @Arg('files', () => [UploadFileInput], { description: 'One entry per file: name, type and size (at most the batch limit).' }) files: UploadFileInput[],
    @Ctx() ctx: GraphQLContext,
  ) {
    const created = await ctx.services.photos.requestUploads(viewerOf(ctx), eventId, files, ctx.ip);
    return created.map(({ photo, upload }) => ({
      photo,
      upload: toPresignedUploadType(upload),
    }));
  }

  @Authorized()
  @Mutation(() => [PhotoType], { description: 'Checks each file arrived and queues its processing; photos not yet uploaded stay PENDING.' })
  completePhotoUploads(@Arg('photoIds', () => [ID], { description: 'The photos whose files were sent (ids from requestPhotoUploads).' }) photoIds: string[], @Ctx() ctx: GraphQLContext) {
    return ctx.services.photos.completeUploads(viewerOf(ctx), photoIds);
  }

  @Authorized()
  @Mutation(() => PhotoType, { description: 'Queues a FAILED photo again.' })
  retryPhoto(@Arg('id', () => ID, { description: 'The FAILED photo\'s id.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.photos.retry(viewerOf(ctx), id);
  }

  @Authorized()
  @Mutation(() => ID, { description: "Deletes the photo, its files, faces and matches (owner, admin). Returns the photo's id, so caches can evict it." })
  async deletePhoto(@Arg('id', () => ID, { description: 'The photo\'s id.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    await ctx.services.photos.delete(viewerOf(ctx), id);
    return id;
  }

  @Authorized()
  @Mutation(() => PhotoType, { description: 'Shows or hides one photo in the general gallery (owner, admin).' })
  setPhotoVisibility(
    @Arg('id', () => ID, { description: 'The photo\'s id.' }) id: string,
    @Arg('showInGeneral', () => Boolean, { description: 'True shows it to every participant (when the gallery is public).' }) showInGeneral: boolean,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.photos.setVisibility(viewerOf(ctx), id, showInGeneral);
  }

  @Authorized()
  @Query(() => DownloadType, {
    description: 'Your photos of an event as one ZIP (members): those you were found in and those shown to everyone, as you may download them (no GPS unless the event hands out untouched originals).',
  })
  async myPhotosArchive(
    @Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('personIds', () => [ID], { nullable: true, description: 'Whose photos: you by default (with the photos shown to everyone), or people you added (myPeople).' }) personIds?: string[] | null,
  ) {
    const viewer = viewerOf(ctx);
    return ctx.services.archives.offer(viewer, eventId, 'mine', ctx.sessionId, await ctx.services.photos.peopleOf(viewer, personIds));
  }

  @Authorized()
  @Query(() => DownloadType, { description: "Every processed photo of the event as one ZIP of the uploaded files (owner, admin)." })
  eventArchive(@Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.archives.offer(viewerOf(ctx), eventId, 'event', ctx.sessionId);
  }

  @Authorized()
  @Mutation(() => [PhotoType], { description: 'Shows or hides several photos at once in their events\' general galleries (owner or admin of every one; all or none change).' })
  setPhotosVisibility(
    @Arg('ids', () => [ID], { description: 'The photos (at most the batch limit).' }) ids: string[],
    @Arg('showInGeneral', () => Boolean, { description: 'True shows them to every participant (when the gallery is public).' }) showInGeneral: boolean,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.photos.setVisibilityOf(viewerOf(ctx), ids, showInGeneral);
  }

  @Authorized()
  @Mutation(() => ID, {
    description: '"Not me": you are not in this photo. Your match goes, it leaves your gallery (unless shown to everyone) and later searches will not match you in it. Returns the photo\'s id.',
  })
  rejectMatch(
    @Arg('photoId', () => ID, { description: 'The photo you are not in.' }) photoId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('personId', () => ID, { nullable: true, description: 'Who is not in it: you by default, or someone you added.' }) personId?: string | null,
  ): Promise<string> {
    return ctx.services.photos.rejectMatch(viewerOf(ctx), photoId, personId);
  }

  @Authorized()
  @Query(() => PhotoConnection, {
    description:
      'Your photos of an event: those you were found in, plus those shown to everyone. With personIds, those of any of these people (yours and people you added; the photos shown to everyone only when you are one of them); with together, only those where all of them appear. Newest first.',
  })
  async myPhotos(
    @Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (at most 100).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
    @Arg('personIds', () => [ID], { nullable: true, description: 'Whose photos: you by default, or any of these people (myPeople).' }) personIds?: string[] | null,
    @Arg('together', () => Boolean, { nullable: true, description: 'True: only photos where every one of personIds appears.' }) together?: boolean | null,
  ) {
    return toConnection(await ctx.services.photos.myPhotos(viewerOf(ctx), eventId, { first, after }, { personIds: personIds ?? null, together: together ?? false }));
  }

  @FieldResolver(() => [PhotoFaceType], {
    description: 'The faces found in the photo, in order, with personId on those matched to one of your people: tap one to say "this is me" (claimFace).',
  })
  faces(@Root() photo: Photo, @Ctx() ctx: GraphQLContext) {
    return ctx.viewer ? ctx.services.photos.facesOf(ctx.viewer, photo) : [];
  }

  @FieldResolver(() => PhotoMatchType, { nullable: true, description: 'Where you were found in this photo; null if you were not.' })
  myMatch(@Root() photo: Photo, @Ctx() ctx: GraphQLContext) {
    return ctx.viewer ? ctx.services.photos.myMatch(ctx.viewer, photo) : null;
  }

  @FieldResolver(() => EventType, { description: 'Its event (signed-in people only: a wall shows photos, not their event).' })
  async event(@Root() photo: Photo, @Ctx() ctx: GraphQLContext): Promise<Event> {
    viewerOf(ctx);
    const event = await photo.event.load({ dataloader: true });
    if (!event) throw new Error(`event of photo ${photo.id} is missing`);
    return event;
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description: 'When thumbnailUrl, displayUrl and downloadUrl expire. They stay the same for a while (at least the configured lifetime is left), so cache them until then; null until DONE.',
  })
  urlsExpireAt(@Root() photo: Photo, @Ctx() ctx: GraphQLContext): Date | null {
    return ctx.services.photos.urlsExpireAt(photo);
  }

  @FieldResolver(() => String, { nullable: true, description: 'WebP, long side 400 px; null until DONE.' })
  thumbnailUrl(@Root() photo: Photo, @Ctx() ctx: GraphQLContext) {
    return ctx.services.photos.url(photo, 'thumbnail', ctx.viewer);
  }

  @FieldResolver(() => String, { nullable: true, description: 'JPEG, long side 2048 px, no metadata; null until DONE.' })
  displayUrl(@Root() photo: Photo, @Ctx() ctx: GraphQLContext) {
    return ctx.services.photos.url(photo, 'display', ctx.viewer);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The original file as uploaded (as the event lets guests have it); null until DONE, and on a wall.' })
  downloadUrl(@Root() photo: Photo, @Ctx() ctx: GraphQLContext) {
    return ctx.services.photos.url(photo, 'original', ctx.viewer);
  }
}
