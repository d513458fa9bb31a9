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
}
