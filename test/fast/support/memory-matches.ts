import type { MatchSource } from '../../../src/domain/entities/index.js';
import type { FaceMatch, ParticipantFace, StoredFace } from '../../../src/ports/face-engine.js';
import type { MatchRepository } from '../../../src/ports/repositories/match.repository.js';

/** Faces, selfies and matches in memory, with the database's rules (best match per photo and person; a claimed face stays). */
export class MemoryMatchRepository implements MatchRepository {
  faces: StoredFace[] = [];
  participants: ParticipantFace[] = [];
  /** photo id → searched for participants yet. */
  photos = new Map<string, { searched: boolean; done: boolean }>();
  matches = new Map<string, { faceId: string; similarity: number; source: MatchSource }>();
  /** "photoId:personId" pairs a guest said "not me" to. */
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
  async personReferences(): Promise<{ faceId: string; vector: Float32Array; claimed: boolean }[]> {
    return [];
  }
  async claim(m: { personId: string; photoId: string; faceId: string; similarity: number }): Promise<boolean> {
    const key = `${m.photoId}:${m.personId}`;
    const fresh = !this.matches.has(key);
    this.rejected.delete(key);
    this.matches.set(key, { faceId: m.faceId, similarity: m.similarity, source: 'CLAIM' as MatchSource });
    return fresh;
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
  async matchedPhotoCount(personId: string): Promise<number> {
    return [...this.matches.keys()].filter((k) => k.endsWith(`:${personId}`)).length;
  }
  /** Person → the guest who looks for them (a guest looks for themself unless listed). */
  owners = new Map<string, string>();
  async upsertBest(m: FaceMatch, source: MatchSource): Promise<{ userId: string } | null> {
    if (!this.faces.some((f) => f.id === m.faceId)) return null;
    const key = `${m.photoId}:${m.personId}`;
    if (this.rejected.has(key)) return null;
    const current = this.matches.get(key);
    if (!current) {
      this.matches.set(key, { faceId: m.faceId, similarity: m.similarity, source });
      return { userId: this.owners.get(m.personId) ?? m.personId };
    }
    if (m.similarity > current.similarity && current.source !== 'CLAIM') this.matches.set(key, { ...current, faceId: m.faceId, similarity: m.similarity });
    return null;
  }
}
