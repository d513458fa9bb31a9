import type { MatchSource } from '../../../src/domain/entities/index.js';
import type { FaceMatch, ParticipantFace, StoredFace } from '../../../src/ports/face-engine.js';
import type { MatchRepository } from '../../../src/ports/repositories/match.repository.js';

/** Faces, selfies and matches in memory, with the database's rules (best match per photo and user). */
export class MemoryMatchRepository implements MatchRepository {
  faces: StoredFace[] = [];
  participants: ParticipantFace[] = [];
  /** photo id → searched for participants yet. */
  photos = new Map<string, { searched: boolean; done: boolean }>();
  matches = new Map<string, { faceId: string; similarity: number; source: MatchSource }>();
  /** "photoId:userId" pairs a guest said "not me" to. */
  rejected = new Set<string>();

  async photoFaces(photoId: string): Promise<StoredFace[]> {
    return this.faces.filter((f) => f.photoId === photoId);
  }
  async participantsWithSelfie(): Promise<ParticipantFace[]> {
    return this.participants;
  }
  async rejectedPhotoIds(): Promise<string[]> {
    return [];
  }
  async photosAwaitingSearch(): Promise<string[]> {
    return [...this.photos].filter(([, p]) => p.done && !p.searched).map(([id]) => id);
  }
  async batchSize(): Promise<number> {
    return [...this.photos.values()].filter((p) => !p.done || !p.searched).length;
  }
  async markSearched(photoIds: string[]): Promise<void> {
    for (const id of photoIds) this.photos.get(id)!.searched = true;
  }
  async donePhotosPerLiveEvent(): Promise<{ eventId: string; count: number; matchThreshold: number | null }[]> {
    return [];
  }
  /** Events' own thresholds (Event.settings.matchThreshold). */
  thresholds = new Map<string, number>();
  async matchThreshold(eventId: string): Promise<number | null> {
    return this.thresholds.get(eventId) ?? null;
  }
  async matchedPhotoCount(userId: string): Promise<number> {
    return [...this.matches.keys()].filter((k) => k.endsWith(`:${userId}`)).length;
  }
  async upsertBest(m: FaceMatch, source: MatchSource): Promise<boolean> {
    if (!this.faces.some((f) => f.id === m.faceId)) return false;
    const key = `${m.photoId}:${m.userId}`;
    if (this.rejected.has(key)) return false;
    const current = this.matches.get(key);
    if (!current) {
      this.matches.set(key, { faceId: m.faceId, similarity: m.similarity, source });
      return true;
    }
    if (m.similarity > current.similarity) this.matches.set(key, { ...current, faceId: m.faceId, similarity: m.similarity });
    return false;
  }
}
