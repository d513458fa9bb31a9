import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Participation, type User } from '../domain/entities/index.js';
import { NotFoundError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { JobOutcome, JobQueue } from '../ports/job-queue.js';
import type { Mailer } from '../ports/mailer.js';
import type { ParticipationRepository } from '../ports/repositories/participation.repository.js';
import type { Sealer } from '../ports/sealer.js';
import { isUuid } from './validation.js';

/**
 * "Email me when new photos of me arrive": per event, off by default. A
 * burst of matches settles for `delaySeconds`, then one email counts them;
 * at most one email per event per `intervalSeconds`. Every email carries a
 * link that unsubscribes without signing in.
 */
export class NewPhotoEmails {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: {
      participations: ParticipationRepository;
      queue: JobQueue;
      mailer: Mailer;
      sealer: Sealer;
      clock: Clock;
      logger: Logger;
      publicUrl: () => string;
      settings: { delaySeconds: number; intervalSeconds: number };
    },
  ) {}

  /** Turns the emails on or off for the caller in one of their events. */
  async set(actor: User, eventId: string, enabled: boolean): Promise<Participation> {
    const participation = isUuid(eventId) ? await this.em.findOne(Participation, { user: actor.id, event: eventId }) : null;
    if (!participation) throw new NotFoundError('Event');
    if (enabled && !participation.newPhotoEmails) participation.newPhotosSince = this.deps.clock.now(); // only photos from now on are news
    participation.newPhotoEmails = enabled;
    await this.em.flush();
    return participation;
  }

  /** A match was made (of the guest or someone they look for): when its guest wants these emails, one job per guest and event waits for the burst to settle. */
  async matched(match: { userId: string; eventId: string }): Promise<void> {
    const state = await this.deps.participations.newPhotoEmails(match.userId, match.eventId);
    if (!state) return;
    const { delaySeconds, intervalSeconds } = this.deps.settings;
    const nextAllowed = state.lastDigestAt ? (state.lastDigestAt.getTime() + intervalSeconds * 1000 - this.deps.clock.now().getTime()) / 1000 : 0;
    await this.deps.queue.enqueue('digest.send', { userId: match.userId, eventId: match.eventId }, { key: `digest:${match.userId}:${match.eventId}`, delaySeconds: Math.ceil(Math.max(delaySeconds, nextAllowed)) });
  }

  /** The job: one email for the new photos since the last one, unless it is too early (then later). */
  async send(job: { userId: string; eventId: string }): Promise<JobOutcome> {
    const claim = await this.deps.participations.claimDigest(job.userId, job.eventId, this.deps.settings.intervalSeconds);
    if (claim.kind === 'none') return 'skipped';
    if (claim.kind === 'wait') {
      await this.deps.queue.enqueue('digest.send', job, { key: `digest:${job.userId}:${job.eventId}`, delaySeconds: claim.seconds });
      return 'deferred';
    }
    const base = this.deps.publicUrl();
    const unsubscribeUrl = `${base}/unsubscribe?token=${this.deps.sealer.seal(JSON.stringify({ kind: 'new-photo-emails', participationId: claim.participationId }))}`;
    const count = (n: number) => (n === 1 ? '1 new photo' : `${n} new photos`);
    const photos = count(claim.newPhotos);
    // Guests who look for someone else too hear whom each photo is of.
    const onlyMe = claim.byPerson.every((p) => p.name === null);
    const whom = claim.byPerson.map((p) => `${count(p.photos)} of ${p.name ?? 'you'}`).join(', ');
    try {
      await this.deps.mailer.send({
        to: claim.email,
        subject: onlyMe ? `${photos} of you at ${claim.eventName}` : `${photos} at ${claim.eventName}`,
        text:
          `Hello ${claim.displayName},\n\n` +
          (onlyMe ? `FindMe found you in ${photos} at ${claim.eventName}.\n` : `FindMe found ${photos} at ${claim.eventName}: ${whom}.\n`) +
          `See them: ${base}/e/${encodeURIComponent(claim.eventCode)}\n\n` +
          `You get this email because you asked for it. To stop these emails for ${claim.eventName}, open:\n${unsubscribeUrl}\n`,
        unsubscribeUrl,
      });
    } catch (err) {
      await this.deps.participations.releaseDigest(claim.participationId, claim.previous);
      throw err;
    }
    this.deps.logger.info({ userId: job.userId, eventId: job.eventId, photos: claim.newPhotos }, 'new-photo email sent');
    return 'done';
  }

  /** The email's unsubscribe link: turns the emails off for that event; the event's name, or null for a link that is not ours. */
  async unsubscribe(token: string): Promise<string | null> {
    let participationId: unknown;
    try {
      const claim = JSON.parse(this.deps.sealer.open(token)) as { kind?: unknown; participationId?: unknown };
      if (claim.kind !== 'new-photo-emails') return null;
      participationId = claim.participationId;
    } catch {
      return null;
    }
    if (typeof participationId !== 'string' || !isUuid(participationId)) return null;
    const participation = await this.em.findOne(Participation, { id: participationId }, { populate: ['event'] });
    if (!participation) return null;
    participation.newPhotoEmails = false;
    await this.em.flush();
    this.deps.logger.info({ participationId }, 'new-photo emails turned off from an email link');
    return participation.event.getEntity().name;
  }
}
