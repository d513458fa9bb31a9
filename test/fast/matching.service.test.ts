import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MatchSource } from '../../src/domain/entities/index.js';
import type { BusMessages, BusTopic, EventBus } from '../../src/ports/event-bus.js';
import type { FaceEngine, FaceMatch } from '../../src/ports/face-engine.js';
import { MatchingService } from '../../src/services/matching.service.js';
import { MemoryMatchRepository } from './support/memory-matches.js';

/** An engine whose answers the test writes: who is in which face, and whether it prefers batches. */
function scriptedEngine(truth: FaceMatch[], prefersBatch: boolean): FaceEngine & { searches: string[] } {
  const searches: string[] = [];
  const engine: Pick<FaceEngine, 'prefersBatchSearch' | 'findParticipantsInPhoto' | 'findParticipantInEvent'> & { searches: string[]; name: string } = {
    searches,
    name: 'scripted',
    prefersBatchSearch: () => prefersBatch,
    // Like the real engines: the event's threshold when given, similarity 50 otherwise.
    findParticipantsInPhoto: async ({ photoId, participants, minSimilarity }) => {
      searches.push(`photo:${photoId}`);
      return truth.filter((m) => m.photoId === photoId && participants.some((p) => p.personId === m.personId) && m.similarity >= (minSimilarity ?? 50));
    },
    findParticipantInEvent: async ({ participant, minSimilarity }) => {
      searches.push(`participant:${participant.personId}`);
      return truth.filter((m) => m.personId === participant.personId && m.similarity >= (minSimilarity ?? 50));
    },
  };
  return engine as unknown as FaceEngine & { searches: string[] };
}

function recordingBus(): EventBus & { sent: BusMessages['match.created'][] } {
  const sent: BusMessages['match.created'][] = [];
  return {
    sent,
    publish: async <T extends BusTopic>(topic: T, message: BusMessages[T]) => {
      if (topic === 'match.created') sent.push(message as BusMessages['match.created']);
    },
  } as unknown as EventBus & { sent: BusMessages['match.created'][] };
}

describe('MatchingService (in-memory repository)', () => {
  it('should match a photo now, keep the best face per guest, and announce each new match once', async () => {
    const repo = new MemoryMatchRepository();
    repo.photos.set('p1', { done: true, searched: false });
    repo.faces = [
      { id: 'f1', photoId: 'p1', vector: null, engineFaceId: null },
      { id: 'f2', photoId: 'p1', vector: null, engineFaceId: null },
    ];
    repo.participants = [{ personId: 'raj', vector: null, engineFaceId: null }];
    const engine = scriptedEngine([{ personId: 'raj', faceId: 'f1', photoId: 'p1', similarity: 91 }], false);
    const bus = recordingBus();
    const service = new MatchingService({ matches: repo, faces: engine, bus });
    const first = await service.matchPhoto('e1', 'p1');
    assert.deepEqual(first, { matches: [{ eventId: 'e1', photoId: 'p1', userId: 'raj', personId: 'raj' }], deferred: false });
    assert.equal(repo.photos.get('p1')!.searched, true);
    // A better face later replaces the match but is not a new one.
    const again = await service.save('e1', [{ personId: 'raj', faceId: 'f2', photoId: 'p1', similarity: 97 }], MatchSource.REMATCH);
    assert.deepEqual(again, []);
    assert.equal(repo.matches.get('p1:raj')?.faceId, 'f2');
    await service.announce(first.matches);
    assert.equal(bus.sent.length, 1);
  });

  it('should defer to one search per participant when the engine prefers batches, then search the batch', async () => {
    const repo = new MemoryMatchRepository();
    for (const id of ['p1', 'p2', 'p3']) {
      repo.photos.set(id, { done: true, searched: false });
      repo.faces.push({ id: `${id}-f`, photoId: id, vector: null, engineFaceId: null }, { id: `${id}-g`, photoId: id, vector: null, engineFaceId: null });
    }
    repo.participants = [{ personId: 'penny', vector: null, engineFaceId: null }];
    const truth = [
      { personId: 'penny', faceId: 'p1-f', photoId: 'p1', similarity: 95 },
      { personId: 'penny', faceId: 'p3-g', photoId: 'p3', similarity: 92 },
      { personId: 'penny', faceId: 'old-f', photoId: 'old', similarity: 99 },
    ];
    const engine = scriptedEngine(truth, true);
    const service = new MatchingService({ matches: repo, faces: engine, bus: recordingBus() });
    assert.deepEqual(await service.matchPhoto('e1', 'p1'), { matches: [], deferred: true });
    const created = await service.matchPendingPhotos('e1');
    assert.deepEqual(engine.searches, ['participant:penny'], 'one search covers the batch');
    assert.deepEqual(created.map((m) => m.photoId).sort(), ['p1', 'p3'], 'only photos of the batch, never an older one');
    assert.ok([...repo.photos.values()].every((p) => p.searched));
    assert.deepEqual(await service.matchPendingPhotos('e1'), [], 'safe to run twice');
  });

  it("should search with the event's own match threshold, now and in batches", async () => {
    const repo = new MemoryMatchRepository();
    repo.thresholds.set('e1', 95);
    for (const id of ['p1', 'p2']) repo.photos.set(id, { done: true, searched: false });
    repo.faces = [
      { id: 'f1', photoId: 'p1', vector: null, engineFaceId: null },
      { id: 'f2', photoId: 'p2', vector: null, engineFaceId: null },
    ];
    repo.participants = [{ personId: 'raj', vector: null, engineFaceId: null }];
    const truth = [
      { personId: 'raj', faceId: 'f1', photoId: 'p1', similarity: 91 },
      { personId: 'raj', faceId: 'f2', photoId: 'p2', similarity: 97 },
    ];
    const now = new MatchingService({ matches: repo, faces: scriptedEngine(truth, false), bus: recordingBus() });
    assert.deepEqual((await now.matchPhoto('e1', 'p1')).matches, [], '91 is below this event\'s 95');
    assert.deepEqual((await now.matchPhoto('e1', 'p2')).matches, [{ eventId: 'e1', photoId: 'p2', userId: 'raj', personId: 'raj' }]);

    const batched = new MemoryMatchRepository();
    batched.thresholds.set('e1', 95);
    batched.photos = new Map(repo.photos);
    for (const p of batched.photos.values()) p.searched = false;
    batched.faces = [...repo.faces, { id: 'f3', photoId: 'p2', vector: null, engineFaceId: null }];
    batched.participants = repo.participants;
    const later = new MatchingService({ matches: batched, faces: scriptedEngine(truth, true), bus: recordingBus() });
    assert.deepEqual((await later.matchPendingPhotos('e1')).map((m) => m.photoId), ['p2']);
  });
});
