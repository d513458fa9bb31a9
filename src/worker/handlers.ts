import type { Logger } from 'pino';
import type { JobHandler } from '../ports/job-queue.js';
import type { MatchingService } from '../services/matching.service.js';
import type { PhotoPipeline } from '../services/photo-pipeline.service.js';
import type { SelfieMatching } from '../services/selfie-matching.service.js';

/**
 * The queue's side of each job: a job's delivery becomes a use case's command.
 * What a job does lives in services; throwing asks the queue for a retry.
 */
export function photoJob(pipeline: PhotoPipeline): JobHandler<'photo.process'> {
  return (job) => pipeline.run({ photoId: job.payload.photoId, jobId: job.id, attempt: job.attempt, isLastAttempt: job.isLastAttempt });
}

export function selfieJob(matching: SelfieMatching): JobHandler<'selfie.process'> {
  return (job) => matching.run({ selfieId: job.payload.selfieId, rematchJobId: job.payload.jobId, jobId: job.id, isLastAttempt: job.isLastAttempt });
}

/** The batched participant search of an event ('event.match' jobs), on a fresh unit of work each time. */
export function eventMatchJob(deps: { matching: () => MatchingService; logger: Logger }): JobHandler<'event.match'> {
  return async (job) => {
    const matching = deps.matching();
    const created = await matching.matchPendingPhotos(job.payload.eventId);
    await matching.announce(created);
    if (created.length > 0) deps.logger.info({ eventId: job.payload.eventId, matches: created.length }, 'batched participant search');
    return 'done';
  };
}

/** An approved guest searched in the event's photos ('participant.match' jobs); their new photos are announced. */
export function participantMatchJob(deps: { matching: () => MatchingService; logger: Logger }): JobHandler<'participant.match'> {
  return async (job) => {
    const matching = deps.matching();
    const created = await matching.matchParticipant(job.payload.eventId, job.payload.userId);
    await matching.announce(created);
    deps.logger.info({ eventId: job.payload.eventId, userId: job.payload.userId, matches: created.length }, 'approved guest searched');
    return 'done';
  };
}
