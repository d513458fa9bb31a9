import type { MatchSource } from '../../domain/entities/index.js';
import type { FaceMatch, ParticipantFace, StoredFace } from '../face-engine.js';

/** What matching reads and writes: stored faces, participants' selfies, Match rows. */
export interface MatchRepository {
  /** A photo's stored faces, in face order. */
  photoFaces(photoId: string): Promise<StoredFace[]>;
  /**
   * The people approved participants of the event look for (themselves and
   * those they added; all of them, only one guest's, or only one person), one
   * entry per active selfie, with their matched faces and "not me" photos
   * there. Guests waiting for approval, or refused, are never searched.
   */
  participantsWithSelfie(eventId: string, only?: { userId: string } | { personId: string }): Promise<ParticipantFace[]>;
  /** The faces the person is matched to in the event (their vectors), `claimed` for those the guest said were them. */
  personReferences(personId: string, eventId: string): Promise<{ faceId: string; vector: Float32Array; claimed: boolean }[]>;
  /** Photos of the event the person was said not to be in ("not me"). */
  rejectedPhotoIds(personId: string, eventId: string): Promise<string[]>;
  /** DONE photos of the event not yet searched for its participants. */
  photosAwaitingSearch(eventId: string): Promise<string[]>;
  /** Photos of the event in flight or waiting for the batched search. */
  batchSize(eventId: string): Promise<number>;
  markSearched(photoIds: string[]): Promise<void>;
  /** For each event within retention where the user is an approved guest, its DONE photos (what a rematch searches) and its own match threshold. */
  donePhotosPerLiveEvent(userId: string): Promise<{ eventId: string; count: number; matchThreshold: number | null }[]>;
  /** The event's own match threshold (Event.settings.matchThreshold); null: the engine's default. */
  matchThreshold(eventId: string): Promise<number | null>;
  /** DONE photos the person is matched in, in the events where their guest is approved (a guest awaiting approval learns nothing). */
  matchedPhotoCount(personId: string): Promise<number>;
  /**
   * "This is me": the face becomes the person's match in its photo (CLAIM),
   * whatever was there; an earlier "not me" goes, and so does another of the
   * guest's people matched to that face. True when new.
   */
  claim(match: { personId: string; photoId: string; faceId: string; similarity: number }): Promise<boolean>;
  /**
   * Writes the match unless a better one (or a claimed one) exists for
   * (photo, person); skipped when the face is gone or the person was said not
   * to be in the photo. The guest whose gallery it joins when new, else null.
   */
  upsertBest(match: FaceMatch, source: MatchSource): Promise<{ userId: string } | null>;
}
