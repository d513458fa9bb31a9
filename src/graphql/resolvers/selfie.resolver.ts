import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { RematchJob } from '../../domain/entities/index.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { UploadFileInput } from '../inputs/photo.inputs.js';
import { mapAsync } from '../live-events.js';
import { toPresignedUploadType } from '../types/photo.type.js';
import { RematchJobType, RematchProgressType, SelfieStateType, SelfieUploadType } from '../types/selfie.type.js';

@Resolver()
export class SelfieResolver {
  @Authorized()
  @Mutation(() => SelfieUploadType, {
    description: 'A signed target for a selfie of you, or of someone you added (participants who consented in an event). Throttled per account and per IP (RATE_LIMITED).',
  })
  async requestSelfieUpload(
    @Arg('input', () => UploadFileInput, { description: 'The selfie file\'s name, type and size.' }) input: UploadFileInput,
    @Ctx() ctx: GraphQLContext,
    @Arg('personId', () => ID, { nullable: true, description: 'Whose selfie: you by default, or someone you added (myPeople).' }) personId?: string | null,
    @Arg('add', () => Boolean, { nullable: true, description: 'True: it joins their other selfies (at most 3, the oldest goes). False (default): it replaces them.' }) add?: boolean | null,
  ) {
    const { selfie, upload } = await ctx.services.selfies.requestUpload(viewerOf(ctx), input, ctx.ip, { personId: personId ?? null, add: add ?? false });
    return { id: selfie.id, upload: toPresignedUploadType(upload) };
  }

  @Authorized()
  @Mutation(() => ID, {
    description: "Deletes one of several selfies (yours or a person's you added): its file and template. The photos already found stay. The last one goes with deleteMyFaceData, or removePerson (CONFLICT here). Returns its id.",
  })
  deleteSelfie(@Arg('id', () => ID, { description: "The selfie's id (Person.selfies)." }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return ctx.services.selfies.deleteSelfie(viewerOf(ctx), id);
  }

  @Authorized()
  @Mutation(() => RematchJobType, {
    description: 'Validates the uploaded selfie and searches your events for you; follow it with rematchProgress.',
  })
  completeSelfieUpload(@Arg('id', () => ID, { description: 'The selfie id from requestSelfieUpload.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.selfies.complete(viewerOf(ctx), id);
  }

  @Authorized()
  @Query(() => SelfieStateType, { nullable: true, description: 'Your selfie and your last rematch job; null when you have no selfie.' })
  async mySelfie(@Ctx() ctx: GraphQLContext): Promise<SelfieStateType | null> {
    const state = await ctx.services.selfies.mySelfie(viewerOf(ctx));
    if (!state) return null;
    const { selfie, lastJob } = state;
    return { id: selfie.id, status: selfie.status, uploadedAt: selfie.createdAt, message: selfie.validationMessage, lastJob };
  }

  @Authorized()
  @Query(() => RematchJobType, { nullable: true, description: 'One of your rematch jobs.' })
  rematchJob(@Arg('id', () => ID, { description: 'The job\'s id.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.selfies.job(viewerOf(ctx), id);
  }

  @Authorized()
  @Subscription(() => RematchProgressType, {
    description:
      'Progress of your own rematch jobs, in order, ending DONE, VALIDATION_FAILED or FAILED. The first message is your last job as it stands (none when you have no job), so subscribe first, then send the selfie: nothing is missed either way.',
    subscribe: ({ context }: SubscribeResolverData<unknown, object, GraphQLContext>) => {
      const viewer = viewerOf(context);
      return mapAsync(
        context.live.rematchProgress(viewer.id),
        async (m) => {
          const job = await context.freshServices().selfies.reloadJob(m.jobId);
          return job ? toProgress(job) : null;
        },
        async () => {
          const state = await context.freshServices().selfies.mySelfie(viewer);
          return state?.lastJob ? toProgress(state.lastJob) : null;
        },
      );
    },
  })
  rematchProgress(@Root() progress: RematchProgressType): RematchProgressType {
    return progress;
  }
}

function toProgress(job: RematchJob): RematchProgressType {
  return { job, status: job.status, processed: job.processed, total: job.total, matched: job.matched, message: job.message };
}
