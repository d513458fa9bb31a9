import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { PrivacyPolicy } from '../../services/privacy-policy.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { PrivacyPolicyType } from '../types/privacy-policy.type.js';

@Resolver()
export class PrivacyResolver {
  @Query(() => PrivacyPolicyType, { description: 'Public: the consent text, its version and the retention rules.' })
  privacyPolicy(@Ctx() ctx: GraphQLContext): PrivacyPolicy {
    return ctx.privacyPolicy;
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description:
      'Withdraws consent to face matching. Without eventId: deletes your selfies, face templates (in the face engine too) and matches everywhere; you stay a member of your events. With eventId: only in that event (your matches there and the faces they point to go, and matching stays off there until you join it again); your selfie stays for your other events.',
  })
  async deleteMyFaceData(@Arg('eventId', () => ID, { nullable: true, description: 'Only this event; every event when omitted.' }) eventId: string | null | undefined, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    if (eventId) await ctx.services.privacy.deleteFaceDataIn(viewerOf(ctx), eventId);
    else await ctx.services.privacy.deleteFaceData(viewerOf(ctx));
    return true;
  }

  @Authorized()
  @Mutation(() => ID, {
    description:
      "Deletes an event (owner, admin): it is gone for everyone at once, and in the background its photos, files, faces, matches and the face engine's collection are removed (an eventProgress subscription sees the counts fall to zero). Returns the event's id.",
  })
  deleteEvent(@Arg('id', () => ID, { description: 'The event\'s id.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return ctx.services.privacy.requestEventDeletion(viewerOf(ctx), id);
  }

  @Authorized()
  @Mutation(() => ID, {
    description: 'Leaves an event: your membership, your matches and "not me" marks there go. Your selfie stays for your other events. Returns the event\'s id.',
  })
  leaveEvent(@Arg('eventId', () => ID, { description: 'The event\'s id.' }) eventId: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return ctx.services.privacy.leaveEvent(viewerOf(ctx), eventId);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: 'Deletes your account, your face data and memberships; for a photographer also their events and photos. Every session ends.',
  })
  async deleteAccount(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.privacy.deleteAccount(viewerOf(ctx));
    return true;
  }
}
