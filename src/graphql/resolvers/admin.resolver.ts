import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { Role } from '../../domain/entities/index.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { FaceEngineUsageType, QueueStatsType, SystemStatusType } from '../types/admin.type.js';

@Resolver()
export class AdminResolver {
  @Authorized(Role.ADMIN)
  @Query(() => QueueStatsType, { description: 'Queue depth and age, workers and their liveness, photos by status per event (admin).' })
  queueStats(@Ctx() ctx: GraphQLContext) {
    return ctx.services.admin.queueStats(viewerOf(ctx));
  }

  @Authorized(Role.ADMIN)
  @Query(() => FaceEngineUsageType, { description: 'Face-service calls by API, per event and in total, with their estimated cost (admin).' })
  faceEngineUsage(@Ctx() ctx: GraphQLContext) {
    return ctx.services.admin.faceEngineUsage(viewerOf(ctx));
  }

  @Authorized(Role.ADMIN)
  @Query(() => SystemStatusType, { description: 'Versions, drivers, configuration sources and migrations of this deployment (admin).' })
  systemStatus(@Ctx() ctx: GraphQLContext) {
    return ctx.services.admin.systemStatus(viewerOf(ctx));
  }
}
