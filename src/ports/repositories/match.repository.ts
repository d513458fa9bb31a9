import type { MatchSource } from '../../domain/entities/index.js';
import type { FaceMatch, ParticipantFace, StoredFace } from '../face-engine.js';

/** What matching reads and writes: stored faces, participants' selfies, Match rows. */
export interface MatchRepository {
  /** A photo's stored faces, in face order. */
  photoFaces(photoId: string): Promise<StoredFace[]>;
  /**
   * Approved participants of the event (all of them, or only `userId`) who
   * consented and have an active selfie, with their matched faces and "not me"
   * photos there. Guests waiting for approval, or refused, are never searched.
   */
  participantsWithSelfie(eventId: string, userId?: string): Promise<ParticipantFace[]>;
  /** Photos of the event the user said "not me" to. */
  rejectedPhotoIds(userId: string, eventId: string): Promise<string[]>;
  /** DONE photos of the event not yet searched for its participants. */
  photosAwaitingSearch(eventId: string): Promise<string[]>;
  /** Photos of the event in flight or waiting for the batched search. */
  batchSize(eventId: string): Promise<number>;
  markSearched(photoIds: string[]): Promise<void>;
  /** For each event within retention where the user is an approved guest, its DONE photos (what a rematch searches) and its own match threshold. */
  donePhotosPerLiveEvent(userId: string): Promise<{ eventId: string; count: number; matchThreshold: number | null }[]>;
  /** The event's own match threshold (Event.settings.matchThreshold); null: the engine's default. */
  matchThreshold(eventId: string): Promise<number | null>;
  /** DONE photos the user is matched in, in the events where they are approved (a guest awaiting approval learns nothing). */
  matchedPhotoCount(userId: string): Promise<number>;
  /** Writes the match unless a better one exists for (photo, user); skipped when the face is gone or the user said "not me" to the photo. True when new. */
  upsertBest(match: FaceMatch, source: MatchSource): Promise<boolean>;
}
