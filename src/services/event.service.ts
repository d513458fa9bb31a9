import { UniqueConstraintViolationException, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Event, OriginalsPolicy, ParticipantStatus, Participation, Role, User } from '../domain/entities/index.js';
import { BadUserInputError, ConflictError, DomainError, ForbiddenError, NotFoundError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import { awaitingApproval, canSeePhotos, loadManagedEvent, roleInEvent } from './event-access.js';
import { codeCandidates, generateEventCode, normalizeEventCode } from './event-code.js';
import { quotaKeys, type Quota, type Throttle } from './throttle.js';
import type { ParticipantSummary, ParticipationRepository } from '../ports/repositories/participation.repository.js';
import { decodeCursor, decodeTimeCursor, pageSize, toPage, type Page, type PageArgs } from './pagination.js';
import { PRIVACY_POLICY_VERSION } from './privacy-policy.js';
import { isIsoDate, isUuid, requireText } from './validation.js';
import type { AppConfig } from '../config/config.js';
import { newWallToken } from './wall.service.js';

/** Settings a photographer may set; anything omitted keeps its value (or default). */
export interface EventSettingsCommand {
  publicGallery?: boolean | null | undefined;
  guestApproval?: boolean | null | undefined;
  originalsPolicy?: OriginalsPolicy | null | undefined;
  faceRetentionDays?: number | null | undefined;
  /** undefined keeps it; null returns to the engine's default. */
  matchThreshold?: number | null | undefined;
  /** The venue's wall (its link is made the first time it is turned on). */
  wall?: boolean | null | undefined;
}

export interface CreateEventCommand {
  name: string;
  date: string;
  code?: string | null | undefined;
  /** Days after the event date its face data is kept; the configured default when omitted. */
  faceRetentionDays?: number | null | undefined;
  settings?: EventSettingsCommand | null | undefined;
}

export interface UpdateEventCommand {
  name?: string | null | undefined;
  date?: string | null | undefined;
  settings?: EventSettingsCommand | null | undefined;
}

/** The configuration slices events read, as loaded. */
export interface EventSettings {
  /** Default face-data retention of new events, in days. */
  faceRetentionDays: number;
  /** Failed code look-ups allowed per IP and per account in each window. */
  codeLookups: Pick<AppConfig['rateLimits'], 'codeLookupFailuresPerIp' | 'codeLookupFailuresPerAccount' | 'codeLookupWindowSeconds'>;
}

/** A guest as the event's owner sees them in the participant list. */
export interface ParticipantRow {
  participation: Participation;
  displayName: string;
  hasSelfie: boolean;
  matchedPhotoCount: number;
}

/** The law we design for (BIPA) allows at most three years. */
export const MAX_FACE_RETENTION_DAYS = 1095;

/**
 * The day (yyyy-mm-dd) after which the event's face data is erased: the
 * retention period counted from the event date, or from the day the event was
 * created when that came later (photos of a past wedding still get their period).
 */
export function faceDataExpiresOn(event: Pick<Event, 'date' | 'faceRetentionDays' | 'createdAt'>): string {
  const created = event.createdAt.toISOString().slice(0, 10);
  const day = new Date(`${created > event.date ? created : event.date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + event.faceRetentionDays);
  return day.toISOString().slice(0, 10);
}

/** What anyone holding the code may see before joining. */
export interface EventPreview {
  code: string;
  name: string;
  date: string;
  photographerName: string;
}

/** Events: creation, lookup by code, membership and consent. */
export class EventService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: { participations: ParticipationRepository; queue: JobQueue; bus: EventBus; clock: Clock; logger: Logger; throttle: Throttle; settings: EventSettings },
  ) {}

  async createEvent(actor: User, command: CreateEventCommand): Promise<Event> {
    if (actor.role !== Role.PHOTOGRAPHER && actor.role !== Role.ADMIN) {
      throw new ForbiddenError('Only photographers can create events.');
    }
    const name = requireText(command.name, 'name', 120);
    if (!isIsoDate(command.date)) throw new BadUserInputError('date', 'date: must be a calendar date written yyyy-mm-dd.');
    const settings = checkSettings({ faceRetentionDays: command.faceRetentionDays, ...command.settings });
    const faceRetentionDays = settings.faceRetentionDays ?? this.deps.settings.faceRetentionDays;
    const chosen = command.code !== undefined && command.code !== null && command.code.trim() !== '';
    const requested = chosen ? normalizeEventCode(command.code as string) : undefined;
    // A generated code can collide; retry a few times before giving up.
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = requested ?? generateEventCode();
      const event = this.em.create(Event, { name, date: command.date, code, owner: actor, ...settings, faceRetentionDays, wallToken: settings.wall ? newWallToken() : null });
      try {
        await this.em.flush();
        this.deps.logger.info({ eventId: event.id, ownerId: actor.id }, 'event created');
        return event;
      } catch (err) {
        this.em.clear();
        if (!(err instanceof UniqueConstraintViolationException)) throw err;
        if (requested) throw new ConflictError(`The code ${requested} is already taken; choose another.`, { field: 'code' });
      }
    }
    throw new DomainError('INTERNAL_SERVER_ERROR', 'Could not generate a unique event code; try again.');
  }

  /**
   * What an event is, from its code. Look-ups that find nothing are counted per
   * IP and per account (each alias of a request counts), so codes cannot be
   * enumerated: past the limit, RATE_LIMITED with a retry hint.
   */
  async previewByCode(code: string, caller: { ip: string; userId?: string | undefined }): Promise<EventPreview | null> {
    const event = await this.findByCode(code, caller);
    if (!event) return null;
    await this.em.populate(event, ['owner']);
    return { code: event.code, name: event.name, date: event.date, photographerName: event.owner.getEntity().displayName };
  }

  /** The event with this code; the attempt is reserved first and given back when it finds one. */
  private async findByCode(code: string, caller: { ip: string; userId?: string | undefined }): Promise<Event | null> {
    const limits = this.deps.settings.codeLookups;
    const quotas: Quota[] = [{ key: quotaKeys.codeLookupsIp(caller.ip), max: limits.codeLookupFailuresPerIp, windowSeconds: limits.codeLookupWindowSeconds }];
    if (caller.userId) quotas.push({ key: quotaKeys.codeLookupsUser(caller.userId), max: limits.codeLookupFailuresPerAccount, windowSeconds: limits.codeLookupWindowSeconds });
    const attempt = await this.deps.throttle.reserve('event-code', quotas, (s) => `Too many event codes that match no event. Check the code and try again in ${s} seconds.`);
    const candidates = codeCandidates(code);
    const events = candidates.length > 0 ? await this.em.find(Event, { code: { $in: candidates } }) : [];
    const event = candidates.map((c) => events.find((e) => e.code === c)).find((e) => e !== undefined) ?? null;
    if (event) await attempt.refund();
    else this.deps.logger.info({ ip: caller.ip, userId: caller.userId }, 'event code matched no event');
    return event;
  }

  /** The event, if `actor` owns it, joined it or is an admin; NOT_FOUND otherwise (existence is not revealed). */
  async getVisibleEvent(actor: User, id: string): Promise<Event> {
    const event = isUuid(id) ? await this.em.findOne(Event, { id }) : null;
    if (!event || !(await this.canView(actor, event))) throw new NotFoundError('Event');
    return event;
  }

  async canView(actor: User, event: Event): Promise<boolean> {
    return (await roleInEvent(this.em, actor, event)) !== 'none';
  }

  isOwnerOrAdmin(actor: User, event: Event): boolean {
    return actor.role === Role.ADMIN || event.owner.id === actor.id;
  }

  /** The actor's membership of the event, or null when they have not joined it. */
  participationOf(actor: User, event: Event): Promise<Participation | null> {
    return this.em.findOne(Participation, { user: actor.id, event: event.id });
  }

  /** Events the actor owns or joined, newest event date first. */
  async myEvents(actor: User, args: PageArgs): Promise<Page<Event>> {
    const limit = pageSize(args.first);
    const joined = await this.em.find(Participation, { user: actor.id }, { fields: ['event'] });
    const mine: FilterQuery<Event> = { $or: [{ owner: actor.id }, { id: { $in: joined.map((p) => p.event.id) } }] };
    let where: FilterQuery<Event> = mine;
    if (args.after) {
      const [date, id] = decodeCursor(args.after, 2) as [string, string];
      where = { $and: [mine, { $or: [{ date: { $lt: date } }, { date, id: { $lt: id } }] }] };
    }
    const [rows, totalCount] = await Promise.all([
      this.em.find(Event, where, { orderBy: { date: 'desc', id: 'desc' }, limit: limit + 1 }),
      this.em.count(Event, mine),
    ]);
    return toPage(rows, limit, totalCount, Boolean(args.after), (e) => [e.date, e.id]);
  }

  /**
   * Joins the event with the code. Consent to face matching is required and
   * recorded with the policy version; joining again is harmless and keeps the
   * first join time (a newer policy version is recorded afresh).
   */
  async joinEvent(actor: User, code: string, consent: boolean, ip: string): Promise<Participation> {
    if (!consent) {
      throw new BadUserInputError('consent', 'consent: you must agree to face matching to join an event (see privacyPolicy).');
    }
    const event = await this.findByCode(code, { ip, userId: actor.id });
    if (!event) throw new NotFoundError('Event');
    if (event.owner.id === actor.id) throw new BadUserInputError('code', 'code: you own this event; guests join it, not its photographer.');
    const now = this.deps.clock.now();
    const existing = await this.em.findOne(Participation, { user: actor.id, event: event.id });
    if (existing) {
      // Joining again consents again: to the current policy, and to face matching if it was turned off.
      if (existing.consentVersion !== PRIVACY_POLICY_VERSION || !existing.faceMatching) {
        existing.consentVersion = PRIVACY_POLICY_VERSION;
        existing.consentedAt = now;
        existing.faceMatching = true;
        await this.em.flush();
      }
      return existing;
    }
    // Upsert: two taps on "join" at once must not fail or duplicate.
    const status = event.guestApproval ? ParticipantStatus.PENDING : ParticipantStatus.APPROVED;
    await this.deps.participations.joinOnce({ userId: actor.id, eventId: event.id, at: now, consentVersion: PRIVACY_POLICY_VERSION, status });
    const participation = await this.em.findOneOrFail(Participation, { user: actor.id, event: event.id });
    this.deps.logger.info({ eventId: event.id, userId: actor.id, consentVersion: PRIVACY_POLICY_VERSION, status: participation.status }, 'participant joined');
    return participation;
  }

  /** Name, date and settings; only what is given changes (owner, admin). */
  async updateEvent(actor: User, id: string, command: UpdateEventCommand): Promise<Event> {
    const event = await loadManagedEvent(this.em, actor, id);
    if (command.name !== undefined && command.name !== null) event.name = requireText(command.name, 'input.name', 120);
    if (command.date !== undefined && command.date !== null) {
      if (!isIsoDate(command.date)) throw new BadUserInputError('input.date', 'input.date: must be a calendar date written yyyy-mm-dd.');
      event.date = command.date;
    }
    const settings = checkSettings(command.settings ?? {});
    // What the wall shows depends on these: an open wall checks again at once.
    const [wallWas, publicGalleryWas] = [event.wall, event.publicGallery];
    Object.assign(event, settings);
    if (event.wall && !event.wallToken) event.wallToken = newWallToken();
    await this.em.flush();
    if (event.wall !== wallWas || event.publicGallery !== publicGalleryWas) await this.deps.bus.publish('access.changed', { eventId: event.id });
    this.deps.logger.info({ eventId: event.id, actorId: actor.id }, 'event updated');
    return event;
  }

  /**
   * Whether the actor may see the event's photos: its owner and admins, and
   * guests the owner approved (every guest when the event needs no approval).
   */
  async assertCanSeePhotos(actor: User, eventId: string): Promise<Event> {
    const event = await this.getVisibleEvent(actor, eventId);
    if (!canSeePhotos(await roleInEvent(this.em, actor, event))) throw awaitingApproval(event.name);
    return event;
  }

  /** The event's guests with what the owner needs to approve them, newest first (owner, admin). */
  async participants(actor: User, eventId: string, args: PageArgs): Promise<Page<ParticipantRow>> {
    const event = await loadManagedEvent(this.em, actor, eventId);
    const limit = pageSize(args.first);
    const before = args.after ? decodeTimeCursor(args.after) : undefined;
    const page = await this.deps.participations.page(event.id, limit + 1, before);
    const rows = await this.withParticipations(page.rows);
    return toPage(rows, limit, page.total, Boolean(args.after), (row) => [row.participation.joinedAt.toISOString(), row.participation.id]);
  }

  /** The summaries with their Participation rows (status, dates). */
  private async withParticipations(summaries: ParticipantSummary[]): Promise<ParticipantRow[]> {
    const participations = summaries.length > 0 ? await this.em.find(Participation, { id: { $in: summaries.map((r) => r.participationId) } }) : [];
    return summaries.map((r) => ({
      participation: participations.find((p) => p.id === r.participationId)!,
      displayName: r.displayName,
      hasSelfie: r.hasSelfie,
      matchedPhotoCount: r.matchedPhotoCount,
    }));
  }

  /** Approves or refuses a guest; approval shows them their photos at once (owner, admin). */
  async setParticipantApproval(actor: User, participationId: string, approved: boolean): Promise<ParticipantRow> {
    const participation = isUuid(participationId) ? await this.em.findOne(Participation, { id: participationId }) : null;
    if (!participation) throw new NotFoundError('Participant');
    await loadManagedEvent(this.em, actor, participation.event.id).catch(() => {
      throw new NotFoundError('Participant');
    });
    const was = participation.status;
    participation.status = approved ? ParticipantStatus.APPROVED : ParticipantStatus.REFUSED;
    participation.decidedAt = this.deps.clock.now();
    await this.em.flush();
    const eventId = participation.event.id;
    const userId = participation.user.id;
    this.deps.logger.info({ participationId, eventId, actorId: actor.id, status: participation.status }, 'participant decided');
    if (was !== participation.status) {
      // Open subscriptions recheck the guest's access now (a refused guest's end).
      await this.deps.bus.publish('access.changed', { eventId, userId });
      // Waiting guests are never searched: an approved one is searched now.
      if (approved && participation.faceMatching) await this.deps.queue.enqueue('participant.match', { eventId, userId }, { key: `participant-match:${eventId}:${userId}` });
    }
    const summary = await this.deps.participations.one(participation.event.id, participation.id);
    const [row] = await this.withParticipations(summary ? [summary] : []);
    return row!;
  }
}


/** Validates settings; returns only those given. */
type SettingColumns = Partial<Pick<Event, 'publicGallery' | 'guestApproval' | 'originalsPolicy' | 'faceRetentionDays' | 'matchThreshold' | 'wall'>>;

function checkSettings(input: EventSettingsCommand): SettingColumns {
  const out: SettingColumns = {};
  if (input.matchThreshold === null) out.matchThreshold = null;
  else if (input.matchThreshold !== undefined) {
    const t = input.matchThreshold;
    if (!Number.isFinite(t) || t < 1 || t > 99) throw new BadUserInputError('matchThreshold', 'matchThreshold: must be between 1 and 99 (similarity), or null for the default.');
    out.matchThreshold = t;
  }
  if (input.faceRetentionDays !== undefined && input.faceRetentionDays !== null) {
    const days = input.faceRetentionDays;
    if (!Number.isInteger(days) || days < 1 || days > MAX_FACE_RETENTION_DAYS) {
      throw new BadUserInputError('faceRetentionDays', `faceRetentionDays: must be between 1 and ${MAX_FACE_RETENTION_DAYS} days (3 years).`);
    }
    out.faceRetentionDays = days;
  }
  if (input.publicGallery !== undefined && input.publicGallery !== null) out.publicGallery = input.publicGallery;
  if (input.guestApproval !== undefined && input.guestApproval !== null) out.guestApproval = input.guestApproval;
  if (input.originalsPolicy !== undefined && input.originalsPolicy !== null) out.originalsPolicy = input.originalsPolicy;
  if (input.wall !== undefined && input.wall !== null) out.wall = input.wall;
  return out;
}
