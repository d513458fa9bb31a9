import { UniqueConstraintViolationException, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Event, Participation, Role, User } from '../domain/entities/index.js';
import { BadUserInputError, ConflictError, DomainError, ForbiddenError, NotFoundError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import { roleInEvent } from './event-access.js';
import { generateEventCode, normalizeEventCode } from './event-code.js';
import { decodeCursor, pageSize, toPage, type Page, type PageArgs } from './pagination.js';
import { PRIVACY_POLICY_VERSION } from './privacy-policy.js';
import { isIsoDate, isUuid, requireText } from './validation.js';

export interface CreateEventCommand {
  name: string;
  date: string;
  code?: string | null | undefined;
  /** Days after the event date its face data is kept; the configured default when omitted. */
  faceRetentionDays?: number | null | undefined;
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
    private readonly deps: { clock: Clock; logger: Logger; settings: { faceRetentionDays: number } },
  ) {}

  async createEvent(actor: User, command: CreateEventCommand): Promise<Event> {
    if (actor.role !== Role.PHOTOGRAPHER && actor.role !== Role.ADMIN) {
      throw new ForbiddenError('Only photographers can create events.');
    }
    const name = requireText(command.name, 'name', 120);
    if (!isIsoDate(command.date)) throw new BadUserInputError('date', 'date: must be a calendar date written yyyy-mm-dd.');
    const faceRetentionDays = command.faceRetentionDays ?? this.deps.settings.faceRetentionDays;
    if (!Number.isInteger(faceRetentionDays) || faceRetentionDays < 1 || faceRetentionDays > MAX_FACE_RETENTION_DAYS) {
      throw new BadUserInputError('faceRetentionDays', `faceRetentionDays: must be between 1 and ${MAX_FACE_RETENTION_DAYS} days (3 years).`);
    }
    const chosen = command.code !== undefined && command.code !== null && command.code.trim() !== '';
    const requested = chosen ? normalizeEventCode(command.code as string) : undefined;
    // A generated code can collide; retry a few times before giving up.
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = requested ?? generateEventCode(name);
      const event = this.em.create(Event, { name, date: command.date, code, owner: actor, faceRetentionDays });
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

  async previewByCode(code: string): Promise<EventPreview | null> {
    const value = code.trim().toUpperCase();
    if (value.length === 0 || value.length > 64) return null;
    const event = await this.em.findOne(Event, { code: value }, { populate: ['owner'] });
    if (!event) return null;
    return { code: event.code, name: event.name, date: event.date, photographerName: event.owner.getEntity().displayName };
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
  async joinEvent(actor: User, code: string, consent: boolean): Promise<Participation> {
    if (!consent) {
      throw new BadUserInputError('consent', 'consent: you must agree to face matching to join an event (see privacyPolicy).');
    }
    const event = await this.em.findOne(Event, { code: code.trim().toUpperCase() });
    if (!event) throw new NotFoundError('Event');
    if (event.owner.id === actor.id) throw new BadUserInputError('code', 'code: you own this event; guests join it, not its photographer.');
    const now = this.deps.clock.now();
    const existing = await this.em.findOne(Participation, { user: actor.id, event: event.id });
    if (existing) {
      if (existing.consentVersion !== PRIVACY_POLICY_VERSION) {
        existing.consentVersion = PRIVACY_POLICY_VERSION;
        existing.consentedAt = now;
        await this.em.flush();
      }
      return existing;
    }
    // Upsert: two taps on "join" at once must not fail or duplicate.
    await this.em.getConnection().execute(
      `insert into participations (id, user_id, event_id, joined_at, consented_at, consent_version)
       values (gen_random_uuid(), ?, ?, ?, ?, ?) on conflict (user_id, event_id) do nothing`,
      [actor.id, event.id, now, now, PRIVACY_POLICY_VERSION],
    );
    const participation = await this.em.findOneOrFail(Participation, { user: actor.id, event: event.id });
    this.deps.logger.info({ eventId: event.id, userId: actor.id, consentVersion: PRIVACY_POLICY_VERSION }, 'participant joined');
    return participation;
  }
}
