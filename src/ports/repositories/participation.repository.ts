import type { ParticipantStatus } from '../../domain/entities/index.js';

/** A guest of an event as its photographer's list shows them. */
export interface ParticipantSummary {
  participationId: string;
  displayName: string;
  hasSelfie: boolean;
  matchedPhotoCount: number;
}

export interface ParticipationRepository {
  /** Joins the user to the event unless they already are (two taps at once neither fail nor duplicate). */
  joinOnce(input: { userId: string; eventId: string; at: Date; consentVersion: string; status: ParticipantStatus }): Promise<void>;
  /** The event's guests newest first (after `before`, when given), and how many there are. */
  page(eventId: string, limit: number, before?: { at: Date; id: string }): Promise<{ rows: ParticipantSummary[]; total: number }>;
  /** One guest of the event. */
  one(eventId: string, participationId: string): Promise<ParticipantSummary | null>;
  /** The guest's new-photo email state in the event, when they asked for those emails. */
  newPhotoEmails(userId: string, eventId: string): Promise<{ lastDigestAt: Date | null } | null>;
  /**
   * Claims the next new-photo email of a guest in an event: when they still
   * want it and the last one went out at least `intervalSeconds` ago, marks it
   * sent now and returns the matched photos made since the previous one (and
   * what to write: new photos in all, and per person, `name` null for the guest themself); otherwise says how long to wait, or that there is nothing to do.
   */
  claimDigest(userId: string, eventId: string, intervalSeconds: number): Promise<
    | { kind: 'send'; email: string; displayName: string; eventName: string; eventCode: string; participationId: string; newPhotos: number; byPerson: { name: string | null; photos: number }[]; previous: { since: Date | null; last: Date | null } }
    | { kind: 'wait'; seconds: number }
    | { kind: 'none' }
  >;
  /** Puts back what claimDigest changed (the email could not be sent). */
  releaseDigest(participationId: string, previous: { since: Date | null; last: Date | null }): Promise<void>;
}
