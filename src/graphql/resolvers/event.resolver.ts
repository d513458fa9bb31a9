import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role, type Event, type Participation } from '../../domain/entities/index.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { CreateEventInput, UpdateEventInput } from '../inputs/event.inputs.js';
import { Connection, toConnection } from '../types/connection.js';
import { EventPreviewType, EventSettingsType, EventType, ParticipantType, ParticipationType } from '../types/event.type.js';
import { PhotographerType } from '../types/user.type.js';
import { DateScalar } from '../scalars.js';
import { faceDataExpiresOn, type ParticipantRow } from '../../services/event.service.js';

const EventConnection = Connection('Event', EventType);
const ParticipantConnection = Connection('Participant', ParticipantType);

function participant(row: ParticipantRow): ParticipantType {
  const p = row.participation;
  return { id: p.id, displayName: row.displayName, status: p.status, joinedAt: p.joinedAt, consentedAt: p.consentedAt, decidedAt: p.decidedAt, hasSelfie: row.hasSelfie, matchedPhotoCount: row.matchedPhotoCount };
}

@Resolver(() => EventType)
export class EventResolver {
  @Query(() => EventPreviewType, {
    nullable: true,
    description: 'Public: what an event is, from its code; null when no event has it. Codes that match nothing are counted per IP and account (RATE_LIMITED past the limit).',
  })
  eventByCode(@Arg('code', () => String, { description: 'The event code (case, dashes and O/0, I/L/1 mix-ups do not matter).' }) code: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.events.previewByCode(code, { ip: ctx.ip, userId: ctx.viewer?.id });
  }

  @Authorized()
  @Query(() => EventType, { nullable: true, description: 'For its owner, its participants and admins.' })
  event(@Arg('id', () => ID, { description: 'The event\'s id.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.events.getVisibleEvent(viewerOf(ctx), id);
  }

  @Authorized()
  @Authorized(Role.PHOTOGRAPHER, Role.ADMIN)
  @Query(() => [String], {
    description:
      "Where phones reach this server, for QR codes and printed cards: PUBLIC_URL when it is set, else this machine's network addresses (`http://192.168.1.20:4000`); empty when it listens on loopback only (photographers, admins).",
  })
  networkAddresses(@Ctx() ctx: GraphQLContext): string[] {
    return ctx.reachableAt();
  }

  @Query(() => EventConnection, { description: 'Events you own (photographers) or joined (guests), newest first.' })
  async myEvents(
    @Arg('first', () => Int, { nullable: true, description: 'Page size (at most 100).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return toConnection(await ctx.services.events.myEvents(viewerOf(ctx), { first, after }));
  }

  @Authorized(Role.PHOTOGRAPHER, Role.ADMIN)
  @Mutation(() => EventType, { description: 'Creates an event with a readable code (photographers, admins).' })
  createEvent(@Arg('input', () => CreateEventInput, { description: 'Name, date, optional code and settings.' }) input: CreateEventInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.events.createEvent(viewerOf(ctx), input);
  }

  @Authorized()
  @Mutation(() => ParticipationType, { description: 'Joins with consent to face matching (required); repeating it is harmless.' })
  joinEvent(
    @Arg('code', () => String, { description: 'The event code from the photographer (case, dashes and O/0, I/L/1 mix-ups do not matter).' }) code: string,
    @Arg('consent', () => Boolean, { description: 'Must be true: you agree to face matching under privacyPolicy.' }) consent: boolean,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.events.joinEvent(viewerOf(ctx), code, consent, ctx.ip);
  }

  @Authorized(Role.PHOTOGRAPHER, Role.ADMIN)
  @Mutation(() => EventType, { description: 'Changes the name, date or settings (owner, admin).' })
  updateEvent(@Arg('id', () => ID, { description: 'The event\'s id.' }) id: string, @Arg('input', () => UpdateEventInput, { description: 'What to change.' }) input: UpdateEventInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.events.updateEvent(viewerOf(ctx), id, input);
  }

  @Authorized()
  @Query(() => ParticipantConnection, { description: "The event's guests, newest first, with their approval status (owner, admin)." })
  async eventParticipants(
    @Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (at most 100).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    const page = await ctx.services.events.participants(viewerOf(ctx), eventId, { first, after });
    return toConnection({ ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: participant(e.node) })) });
  }

  @Authorized()
  @Mutation(() => ParticipantType, { description: 'Approves a guest (they see their photos at once) or refuses them (owner, admin).' })
  async setParticipantApproval(@Arg('id', () => ID, { description: 'The participation id (from eventParticipants).' }) id: string, @Arg('approved', () => Boolean, { description: 'True approves the guest, false refuses them.' }) approved: boolean, @Ctx() ctx: GraphQLContext) {
    return participant(await ctx.services.events.setParticipantApproval(viewerOf(ctx), id, approved));
  }

  @FieldResolver(() => PhotographerType, { description: 'Who photographs it.' })
  async photographer(@Root() event: Event): Promise<PhotographerType> {
    // Batched across the events of a list by the ORM's dataloader.
    const owner = await event.owner.load({ dataloader: true });
    if (!owner) throw new Error(`owner of event ${event.id} is missing`);
    return { id: owner.id, displayName: owner.displayName };
  }

  @FieldResolver(() => DateScalar, { description: 'The day after which face data of the event is erased: faceRetentionDays after the event date (or after its creation, when it was created later).' })
  faceDataExpiresOn(@Root() event: Event): string {
    return faceDataExpiresOn(event);
  }

  @FieldResolver(() => ParticipationType, {
    nullable: true,
    description: 'Your membership of this event (status, new-photo emails, face matching); null when you have not joined it.',
  })
  myParticipation(@Root() event: Event, @Ctx() ctx: GraphQLContext): Promise<Participation | null> {
    return ctx.services.events.participationOf(viewerOf(ctx), event);
  }

  @FieldResolver(() => EventSettingsType, { nullable: true, description: "Only for the event's owner and admins." })
  settings(@Root() event: Event, @Ctx() ctx: GraphQLContext): EventSettingsType | null {
    if (!ctx.services.events.isOwnerOrAdmin(viewerOf(ctx), event)) return null;
    return {
      matchThreshold: event.matchThreshold,
      publicGallery: event.publicGallery,
      guestApproval: event.guestApproval,
      originalsPolicy: event.originalsPolicy,
      faceRetentionDays: event.faceRetentionDays,
      wall: event.wall,
    };
  }
}

@Resolver(() => ParticipationType)
export class ParticipationResolver {
  @Authorized()
  @Mutation(() => ParticipationType, {
    description:
      'Turns on or off the email that tells you when new photos of you arrive in one of your events: a burst of new photos makes one email, at most one per event every 15 minutes, and each email has a link that turns them off without signing in.',
  })
  setNewPhotoEmails(@Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string, @Arg('enabled', () => Boolean, { description: 'True to get the emails, false to stop them.' }) enabled: boolean, @Ctx() ctx: GraphQLContext): Promise<Participation> {
    return ctx.services.newPhotoEmails.set(viewerOf(ctx), eventId, enabled);
  }

  @FieldResolver(() => EventType, { description: 'The event.' })
  async event(@Root() participation: Participation): Promise<Event> {
    const event = await participation.event.load({ dataloader: true });
    if (!event) throw new Error(`event of participation ${participation.id} is missing`);
    return event;
  }
}
