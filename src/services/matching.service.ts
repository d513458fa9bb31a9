import { MatchSource } from '../domain/entities/index.js';
import type { EventBus } from '../ports/event-bus.js';
import type { FaceEngine, FaceMatch, StoredFace } from '../ports/face-engine.js';
import type { MatchRepository } from '../ports/repositories/match.repository.js';

export interface NewMatch {
  eventId: string;
  photoId: string;
  /** The guest whose gallery the photo joins. */
  userId: string;
  /** Who was found: the guest (their user id) or a person they added. */
  personId: string;
}

/** Finds participants in photos and writes Match rows: one per (photo, user), keeping the best face. */
export class MatchingService {
  constructor(private readonly deps: { matches: MatchRepository; faces: FaceEngine; bus: EventBus }) {}

  /**
   * After a photo's faces are stored: which of the event's participants (with a
   * selfie) are in it. When the engine finds a per-event batch search cheaper,
   * nothing is searched now and `deferred` asks the caller to schedule one.
   */
  async matchPhoto(eventId: string, photoId: string): Promise<{ matches: NewMatch[]; deferred: boolean }> {
    const { matches: repo } = this.deps;
    const faces = await repo.photoFaces(photoId);
    const participants = faces.length === 0 ? [] : await repo.participantsWithSelfie(eventId);
    if (participants.length > 0 && this.deps.faces.prefersBatchSearch(faces.length, participants.length, await repo.batchSize(eventId))) {
      return { matches: [], deferred: true };
    }
    const minSimilarity = participants.length === 0 ? null : await repo.matchThreshold(eventId);
    const found = participants.length === 0 ? [] : await this.deps.faces.findParticipantsInPhoto({ eventId, photoId, faces, participants, minSimilarity });
    const matches = await this.save(eventId, found, MatchSource.INGEST);
    await repo.markSearched([photoId]);
    return { matches, deferred: false };
  }

  /**
   * The batched search: each participant once against the event, keeping the
   * photos processed since the last search. Safe to run twice.
   */
  async matchPendingPhotos(eventId: string): Promise<NewMatch[]> {
    const { matches: repo } = this.deps;
    const pending = await repo.photosAwaitingSearch(eventId);
    if (pending.length === 0) return [];
    const ids = new Set(pending);
    const participants = await repo.participantsWithSelfie(eventId);
    const faces = new Map<string, StoredFace[]>();
    for (const id of ids) faces.set(id, await repo.photoFaces(id));
    const faceCount = [...faces.values()].reduce((n, f) => n + f.length, 0);
    const minSimilarity = await repo.matchThreshold(eventId);
    const found: FaceMatch[] = [];
    if (participants.length <= faceCount) {
      // One search per participant covers the whole batch.
      for (const participant of participants) {
        const matches = await this.deps.faces.findParticipantInEvent({ eventId, participant, minSimilarity });
        found.push(...matches.filter((m) => ids.has(m.photoId)));
      }
    } else {
      // The batch turned out small: searching its photos costs less.
      for (const [photoId, photoFaces] of faces) {
        if (photoFaces.length > 0) found.push(...(await this.deps.faces.findParticipantsInPhoto({ eventId, photoId, faces: photoFaces, participants, minSimilarity })));
      }
    }
    const created = await this.save(eventId, found, MatchSource.INGEST);
    await repo.markSearched([...ids]);
    return created;
  }

  /**
   * One guest against the event's DONE photos: run when the photographer
   * approves them (waiting guests are never searched). Safe to run twice.
   */
  async matchParticipant(eventId: string, userId: string): Promise<NewMatch[]> {
    const { matches: repo } = this.deps;
    // The guest and everyone they look for, each with every one of their selfies.
    const participants = await repo.participantsWithSelfie(eventId, { userId });
    if (participants.length === 0) return [];
    const minSimilarity = await repo.matchThreshold(eventId);
    const found: FaceMatch[] = [];
    for (const participant of participants) found.push(...(await this.deps.faces.findParticipantInEvent({ eventId, participant, minSimilarity })));
    return this.save(eventId, found, MatchSource.REMATCH);
  }

  /**
   * Announces matches (after the photo is DONE, so subscribers can show it):
   * once per guest and photo, even when several of their people are in it.
   */
  async announce(matches: NewMatch[]): Promise<void> {
    const once = new Map(matches.map((m) => [`${m.userId}:${m.photoId}`, m]));
    await Promise.all([...once.values()].map((m) => this.deps.bus.publish('match.created', m)));
  }

  /**
   * Upserts matches; returns the (photo, person) pairs that are new. Faces deleted
   * meanwhile are skipped. `within` is a repository bound to the caller's
   * transaction, when the matches must commit with other changes.
   */
  async save(eventId: string, matches: FaceMatch[], source: MatchSource, within: MatchRepository = this.deps.matches): Promise<NewMatch[]> {
    const created: NewMatch[] = [];
    for (const m of matches) {
      const inserted = await within.upsertBest(m, source);
      if (inserted) created.push({ eventId, photoId: m.photoId, userId: inserted.userId, personId: m.personId });
    }
    return created;
  }
}
