import type { Logger } from 'pino';
import type { EventBus } from '../../../ports/event-bus.js';
import type {
  DetectedFace,
  FaceEngine,
  FaceMatch,
  ParticipantFace,
  PhotoImage,
  SelfieCheck,
  StoredFace,
} from '../../../ports/face-engine.js';
import type { DetectOptions, DetectResult } from './face-model.js';
import { FacePool } from './face-pool.js';
import type { FaceVectorSource } from '../../../ports/face-engine.js';
import { VectorIndex } from './vector-index.js';
import type { AppConfig } from '../../../config/config.js';

/**
 * The face settings the local engine reads, as config loads them: the largest
 * same-person distance (LOCAL_MATCH_MAX_DISTANCE), the detector's minimum
 * score, tiling (LOCAL_DETECT_TILE_SIZE, 0 = off) and the largest analysed side,
 * the selfie checks (closest face, sharpness), and its worker threads.
 */
export type LocalFaceSettings = Pick<
  AppConfig['faces'],
  'maxDistance' | 'minConfidence' | 'tileSize' | 'maxSide' | 'selfieMinFacePx' | 'selfieMinSharpness' | 'threads'
>;

/**
 * The cutoff of a photo-to-photo comparison (`findme faces compare`): two
 * single descriptors, without the flip-averaged selfie the matching cutoff
 * (LOCAL_MATCH_MAX_DISTANCE) assumes, so same-person distances run higher.
 * Calibrated on the dev set's 40 identity photos (`npm run bench:compare-cutoff`):
 * same-person pairs reach 0.574 (7 of 80 lie above the selfie cutoff 0.54),
 * the closest two people are 0.598 apart. 0.58 calls every dev pair right.
 */
export const PHOTO_PAIR_MAX_DISTANCE = 0.58;

/**
 * "This is me": the largest distance between a claimed face and the closest
 * of the claimant's selfies that is plausible. Looser than matching (the
 * matcher missed the face, often a profile or a poor light), but a stranger's
 * face must stay out. Calibrated on the dev set (`npm run bench:people`):
 * with one selfie it refuses 6.4 % of a guest's own faces and accepts 0.6 %
 * of strangers' faces; with three selfies 0 % and 1.2 %. At 0.62 strangers
 * get in twice as often (1.0 %, 2.1 %); at 0.58 own faces are refused 8.2 %.
 */
export const CLAIM_MAX_DISTANCE = 0.6;

/** Descriptor distance → similarity 0..100: 100 identical, 50 at the threshold, 0 at twice it. */
export function similarityOf(distance: number, maxDistance: number): number {
  return Math.max(0, Math.min(100, Math.round(1000 * (1 - distance / (2 * maxDistance))) / 10));
}

export function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/**
 * How much stricter a confirmed face is than the selfie, as a reference: it
 * must be this much closer to the selfie than the cutoff to count, and what
 * it finds is scored this much further away. 0.04 at the default cutoff of
 * 0.54 (references within 0.50). On the dev set this lifts selfie → photo
 * recall from 0.855 to 0.900 with no false match; 0.02 lifts nothing, and a
 * looser second cutoff (0.52) lets false matches in.
 */
const REFERENCE_PENALTY = 0.04;

/** At most this many references per participant (the closest to the selfie): each one is a search. */
const MAX_REFERENCES = 20;

type Reference = { faceId: string; vector: Float32Array; claimed?: boolean };

/**
 * The participant's faces that serve as references, closest first: those
 * close enough to their selfie, and the faces they claimed ("this is me",
 * checked against CLAIM_MAX_DISTANCE when claimed) whatever their distance.
 */
function confirmed(selfie: Float32Array, faces: Reference[], cutoff: number): Reference[] {
  return [...new Map(faces.map((f) => [f.faceId, f])).values()]
    .map((f) => ({ f, d: f.claimed ? 0 : distance(selfie, f.vector) }))
    .filter(({ d }) => d <= cutoff - REFERENCE_PENALTY)
    .sort((a, b) => a.d - b.d)
    .slice(0, MAX_REFERENCES)
    .map(({ f }) => f);
}

/** A face's distance to a participant: to the selfie, or to a reference (not itself) plus the penalty when within the stricter cutoff. */
function closeness(selfie: Float32Array, references: Reference[], faceId: string, vector: Float32Array, cutoff: number): number {
  let best = distance(selfie, vector);
  for (const r of references) {
    if (r.faceId === faceId) continue;
    const d = distance(r.vector, vector);
    if (d <= cutoff - REFERENCE_PENALTY) best = Math.min(best, d + REFERENCE_PENALTY);
  }
  return best;
}

/**
 * The local engine: face-api in a pool of worker threads; vectors in
 * PostgreSQL; searches are exact scans of an in-memory matrix per event.
 */
export class LocalFaceEngine implements FaceEngine {
  readonly name = 'local';
  readonly pool: FacePool;
  readonly index: VectorIndex;

  constructor(
    private readonly settings: LocalFaceSettings,
    vectors: FaceVectorSource,
    logger: Logger,
  ) {
    this.pool = new FacePool(settings.threads, logger);
    this.index = new VectorIndex(vectors);
  }

  /** Keeps the in-memory index current with what every process does. */
  attach(bus: EventBus): () => void {
    const off = [
      bus.subscribe('faces.indexed', (m) => void this.index.photoIndexed(m.eventId).catch(() => this.index.invalidate(m.eventId))),
      bus.subscribe('photo.deleted', (m) => this.index.invalidate(m.eventId)),
      bus.subscribe('faces.erased', (m) => this.index.invalidate(m.eventId)),
    ];
    return () => off.forEach((f) => f());
  }

  async indexPhotoFaces(image: PhotoImage): Promise<DetectedFace[]> {
    const result = await this.pool.detect(image.original, this.photoOptions());
    image.onStages?.(result.timings);
    return result.faces.map((f) => ({ box: f.box, confidence: f.score, vector: f.descriptor, engineFaceId: null }));
  }

  async indexSelfie(input: { image: Buffer }): Promise<SelfieCheck> {
    let result: DetectResult;
    try {
      result = await this.pool.detect(input.image, { minConfidence: this.settings.minConfidence, tileSize: 0, padIfNone: true, maxSide: 1024, flipAverage: true, sharpness: true });
    } catch {
      return { ok: false, reason: 'NOT_AN_IMAGE', message: 'This file is not a photo we can read: take a selfie with your camera.', faces: 0 };
    }
    return judgeSelfie(result, this.settings);
  }

  /** Searches cost nothing here: match each photo as it arrives. */
  prefersBatchSearch(): boolean {
    return false;
  }

  async findParticipantsInPhoto(input: { photoId: string; faces: StoredFace[]; participants: ParticipantFace[]; minSimilarity?: number | null }): Promise<FaceMatch[]> {
    const cutoff = this.cutoff(input.minSimilarity);
    const matches: FaceMatch[] = [];
    for (const participant of input.participants) {
      if (!participant.vector) continue;
      const references = confirmed(participant.vector, participant.references ?? [], cutoff);
      let best: { faceId: string; distance: number } | null = null;
      for (const face of input.faces) {
        if (!face.vector) continue;
        const d = closeness(participant.vector, references, face.id, face.vector, cutoff);
        if (d <= cutoff && (!best || d < best.distance)) best = { faceId: face.id, distance: d };
      }
      if (best) {
        matches.push({ personId: participant.personId, faceId: best.faceId, photoId: input.photoId, similarity: similarityOf(best.distance, this.settings.maxDistance) });
      }
    }
    return matches;
  }

  /**
   * The selfie's search, widened by the participant's confirmed faces: the
   * faces it finds within a stricter cutoff (and those the participant is
   * already matched to) search the event again, at that stricter cutoff. A
   * face found that way counts as REFERENCE_PENALTY further than its reference.
   */
  async findParticipantInEvent(input: { eventId: string; participant: ParticipantFace; minSimilarity?: number | null }): Promise<FaceMatch[]> {
    const { vector, personId } = input.participant;
    if (!vector) return [];
    const cutoff = this.cutoff(input.minSimilarity);
    const strict = cutoff - REFERENCE_PENALTY;
    const rejected = new Set(input.participant.rejectedPhotoIds ?? []);
    const hits = await this.index.search(input.eventId, vector, cutoff);
    const best = new Map(hits.map((h) => [h.photoId, { faceId: h.faceId, distance: h.distance }]));
    const sure = hits.filter((h) => h.distance <= strict && !rejected.has(h.photoId)).map((h) => ({ faceId: h.faceId, vector: h.vector }));
    const references = confirmed(vector, [...sure, ...(input.participant.references ?? [])], cutoff);
    const widened = await this.index.searchEach(input.eventId, references.map((r) => r.vector), strict, true);
    for (const [i, reference] of references.entries()) {
      for (const h of widened[i]!) {
        if (h.faceId === reference.faceId) continue;
        const d = h.distance + REFERENCE_PENALTY;
        const current = best.get(h.photoId);
        if (!current || d < current.distance) best.set(h.photoId, { faceId: h.faceId, distance: d });
      }
    }
    return [...best].map(([photoId, b]) => ({ personId, faceId: b.faceId, photoId, similarity: similarityOf(b.distance, this.settings.maxDistance) }));
  }

  /**
   * The largest distance that matches: LOCAL_MATCH_MAX_DISTANCE (similarity 50), or
   * the distance at which similarity reaches the event's own threshold. The
   * similarity scale stays the same, so the threshold reads as PhotoMatch.similarity does.
   */
  private cutoff(minSimilarity: number | null | undefined): number {
    const { maxDistance } = this.settings;
    return minSimilarity == null ? maxDistance : 2 * maxDistance * (1 - minSimilarity / 100);
  }

  /** Plausible when the face lies within CLAIM_MAX_DISTANCE of the closest of the selfies. */
  async judgeClaim(input: { eventId: string; face: StoredFace; selfies: ParticipantFace[] }): Promise<{ plausible: boolean; similarity: number }> {
    const { vector } = input.face;
    const distances = input.selfies.flatMap((s) => (s.vector && vector ? [distance(s.vector, vector)] : []));
    if (distances.length === 0) return { plausible: false, similarity: 0 };
    const closest = Math.min(...distances);
    return { plausible: closest <= CLAIM_MAX_DISTANCE, similarity: similarityOf(closest, this.settings.maxDistance) };
  }

  async deletePhotoFaces(eventId: string): Promise<void> {
    // Vectors live in the faces rows (deleted with the photo); the cached matrix must forget them.
    this.index.invalidate(eventId);
  }

  async deleteParticipantFaces(): Promise<void> {
    // Selfie vectors live in PostgreSQL only; nothing is held elsewhere.
  }

  async deleteEventFaces(eventId: string): Promise<void> {
    this.index.invalidate(eventId);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * Event photos as selfies: when nothing is found, one more pass on the
   * image inside a black border (a portrait or close-up whose face fills the
   * frame is missed as it is). Only photos with no face pay it: one 900-px pass.
   * Every photo is also looked at turned a quarter each way and upside down
   * (quick 8-bit passes at 512 px), for photos stored turned with no
   * orientation and faces lying sideways.
   */
  private photoOptions(): DetectOptions {
    const { minConfidence, tileSize, maxSide } = this.settings;
    return { minConfidence, tileSize, padIfNone: true, maxSide, sideways: true };
  }
}

/** Exactly one usable face, large and sharp enough; otherwise a sentence the guest can act on. */
export function judgeSelfie(result: DetectResult, settings: Pick<LocalFaceSettings, 'selfieMinFacePx' | 'selfieMinSharpness'>): SelfieCheck {
  const faces = result.faces.map((f, i) => ({ ...f, px: f.box.height * result.height, sharpness: result.sharpness[i] ?? 0 }));
  if (faces.length === 0) {
    return { ok: false, reason: 'NO_FACE', message: 'We could not find a face: take the selfie facing the camera, in good light.', faces: 0 };
  }
  // Faces far smaller than the main one are people in the background, not a second subject.
  const largest = Math.max(...faces.map((f) => f.px));
  const subjects = faces.filter((f) => f.px >= largest * 0.4);
  if (subjects.length > 1) {
    return { ok: false, reason: 'MANY_FACES', message: `We found ${subjects.length} faces: take the selfie alone.`, faces: subjects.length };
  }
  const face = subjects[0]!;
  if (face.px < settings.selfieMinFacePx) {
    return { ok: false, reason: 'FACE_TOO_SMALL', message: 'Your face is too small in the picture: come closer to the camera.', faces: 1 };
  }
  if (face.sharpness < settings.selfieMinSharpness) {
    return { ok: false, reason: 'BLURRY', message: 'The selfie is blurry: hold the phone still and take it again.', faces: 1 };
  }
  return { ok: true, face: { box: face.box, confidence: face.score, vector: face.descriptor, engineFaceId: null } };
}
