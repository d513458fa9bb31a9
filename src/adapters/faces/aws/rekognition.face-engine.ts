import {
  CreateCollectionCommand,
  DeleteCollectionCommand,
  DeleteFacesCommand,
  DetectFacesCommand,
  IndexFacesCommand,
  RekognitionClient,
  SearchFacesCommand,
  type Image,
} from '@aws-sdk/client-rekognition';
import type { Logger } from 'pino';
import { noUsageRecorder, type UsageRecorder } from '../../../ports/usage-recorder.js';
import sharp from 'sharp';
import {
  UnreadableImageError,
  type DetectedFace,
  type FaceEngine,
  type FaceMatch,
  type FaceRefSource,
  type ParticipantFace,
  type PhotoImage,
  type SelfieCheck,
  type StoredFace,
} from '../../../ports/face-engine.js';
import { TokenBucket } from './token-bucket.js';

/**
 * "This is me" on Rekognition: the similarity a claimed face must reach with
 * one of the claimant's selfies. Far below matching (Rekognition's same-person
 * faces score above 90); faces of two people rarely pass 50.
 */
export const CLAIM_MIN_SIMILARITY = 60;

export interface RekognitionSettings {
  collectionPrefix: string;
  /** FaceMatchThreshold of SearchFaces (AWS_REKOGNITION_FACE_THRESHOLD). */
  faceThreshold: number;
  /** Matches below this similarity are dropped (AWS_MATCH_MIN_SIMILARITY). */
  minSimilarity: number;
  /** Faces detected with less confidence are ignored (AWS_REKOGNITION_DETECT_MIN_CONF). */
  detectMinConfidence: number;
  /** Calls per second, shared by every job of this process (REKOGNITION_MAX_TPS). */
  maxTps: number;
  selfieMinFacePx: number;
  /** When photos live in S3, Rekognition reads them there instead of receiving the bytes. */
  bucket: string | undefined;
}

const THROTTLED = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'LimitExceededException']);
const UNREADABLE = new Set(['InvalidImageFormatException', 'ImageTooLargeException', 'InvalidS3ObjectException']);
const MAX_BYTES = 5 * 1024 * 1024;

/**
 * AWS Rekognition: one collection per event (created on first use), photo faces
 * indexed once as `photo:<id>`, a participant's selfie indexed in each of their
 * events as `person:<id>`. A photo costs 1 + (its faces) calls: IndexFaces, then
 * one SearchFaces per face. Every call is counted by API name, paced by one
 * token bucket, and retried with backoff when throttled.
 */
export class RekognitionFaceEngine implements FaceEngine {
  readonly name = 'aws';
  private readonly bucket: TokenBucket;
  private readonly collections = new Set<string>();
  readonly calls = new Map<string, number>();

  constructor(
    private readonly client: RekognitionClient,
    private readonly settings: RekognitionSettings,
    private readonly refs: FaceRefSource,
    private readonly logger: Logger,
    /** Every call, by API and event: what it costs (faceEngineUsage, metrics). */
    private readonly usageRecorder: UsageRecorder = noUsageRecorder,
  ) {
    this.bucket = new TokenBucket(settings.maxTps);
  }

  static create(region: string | undefined, settings: RekognitionSettings, refs: FaceRefSource, logger: Logger, usage?: UsageRecorder): RekognitionFaceEngine {
    return new RekognitionFaceEngine(new RekognitionClient(region ? { region } : {}), settings, refs, logger, usage);
  }

  async indexPhotoFaces(image: PhotoImage): Promise<DetectedFace[]> {
    const collection = await this.collection(image.eventId);
    const source = await this.imageOf(image.original, image.objectKey);
    const out = await this.send('IndexFaces', () =>
      this.client.send(
        new IndexFacesCommand({
          CollectionId: collection,
          Image: source,
          ExternalImageId: `photo:${image.photoId}`,
          MaxFaces: 100,
          QualityFilter: 'AUTO',
        }),
      ), image.eventId);
    return (out.FaceRecords ?? [])
      .filter((r) => (r.Face?.Confidence ?? 0) >= this.settings.detectMinConfidence && r.Face?.FaceId)
      .map((r) => ({
        box: {
          left: r.Face!.BoundingBox?.Left ?? 0,
          top: r.Face!.BoundingBox?.Top ?? 0,
          width: r.Face!.BoundingBox?.Width ?? 0,
          height: r.Face!.BoundingBox?.Height ?? 0,
        },
        confidence: (r.Face!.Confidence ?? 0) / 100,
        vector: null,
        engineFaceId: r.Face!.FaceId!,
      }));
  }

  async indexSelfie(input: { personId: string; image: Buffer; eventIds: string[] }): Promise<SelfieCheck> {
    let height: number;
    try {
      height = (await sharp(input.image).metadata()).height ?? 0;
    } catch {
      return { ok: false, reason: 'NOT_AN_IMAGE', message: 'This file is not a photo we can read: take a selfie with your camera.', faces: 0 };
    }
    const bytes = await this.bytesOf(input.image);
    let detected;
    try {
      detected = await this.send('DetectFaces', () => this.client.send(new DetectFacesCommand({ Image: { Bytes: bytes } })), null);
    } catch (err) {
      if (err instanceof UnreadableImageError) {
        return { ok: false, reason: 'NOT_AN_IMAGE', message: 'This file is not a photo we can read: take a selfie with your camera.', faces: 0 };
      }
      throw err;
    }
    const faces = (detected.FaceDetails ?? []).filter((f) => (f.Confidence ?? 0) >= this.settings.detectMinConfidence);
    if (faces.length === 0) return { ok: false, reason: 'NO_FACE', message: 'We could not find a face: take the selfie facing the camera, in good light.', faces: 0 };
    if (faces.length > 1) return { ok: false, reason: 'MANY_FACES', message: `We found ${faces.length} faces: take the selfie alone.`, faces: faces.length };
    const face = faces[0]!;
    if ((face.BoundingBox?.Height ?? 0) * height < this.settings.selfieMinFacePx) {
      return { ok: false, reason: 'FACE_TOO_SMALL', message: 'Your face is too small in the picture: come closer to the camera.', faces: 1 };
    }
    // The selfie's face in each event's collection: searched by FaceId later, for free of image uploads.
    const refs: Record<string, string> = {};
    for (const eventId of input.eventIds) {
      const collection = await this.collection(eventId);
      const out = await this.send('IndexFaces', () =>
        this.client.send(
          new IndexFacesCommand({ CollectionId: collection, Image: { Bytes: bytes }, ExternalImageId: `person:${input.personId}`, MaxFaces: 1, QualityFilter: 'AUTO' }),
        ), eventId);
      const faceId = out.FaceRecords?.[0]?.Face?.FaceId;
      if (!faceId) {
        const reasons = out.UnindexedFaces?.flatMap((u) => u.Reasons ?? []) ?? [];
        await this.deleteRefs(refs);
        if (reasons.includes('LOW_SHARPNESS')) {
          return { ok: false, reason: 'BLURRY', message: 'The selfie is blurry: hold the phone still and take it again.', faces: 1 };
        }
        return { ok: false, reason: 'NO_FACE', message: 'We could not use this face: take the selfie facing the camera, in good light.', faces: 1 };
      }
      refs[eventId] = faceId;
    }
    const box = face.BoundingBox ?? {};
    return {
      ok: true,
      face: {
        box: { left: box.Left ?? 0, top: box.Top ?? 0, width: box.Width ?? 0, height: box.Height ?? 0 },
        confidence: (face.Confidence ?? 0) / 100,
        vector: null,
        engineFaceId: JSON.stringify(refs),
      },
    };
  }

  /**
   * Searching now costs min(faces, participants) calls for this photo; one
   * search per participant after the batch settles costs `participants` calls
   * shared by the `batchSize` photos of the batch.
   */
  prefersBatchSearch(faceCount: number, participantCount: number, batchSize: number): boolean {
    return Math.min(faceCount, participantCount) > participantCount / Math.max(1, batchSize);
  }

  async findParticipantsInPhoto(input: { eventId: string; photoId: string; faces: StoredFace[]; participants: ParticipantFace[]; minSimilarity?: number | null }): Promise<FaceMatch[]> {
    const minSimilarity = input.minSimilarity ?? this.settings.minSimilarity;
    // Selfie face in this event → participant: only current selfies count.
    const byFaceId = new Map<string, string>();
    for (const p of input.participants) {
      const ref = parseRefs(p.engineFaceId)[input.eventId];
      if (ref) byFaceId.set(ref, p.personId);
    }
    if (byFaceId.size === 0) return [];
    const collection = await this.collection(input.eventId);
    const best = new Map<string, FaceMatch>();
    const keep = (personId: string, faceId: string, similarity: number) => {
      if (similarity < minSimilarity) return;
      const current = best.get(personId);
      if (!current || similarity > current.similarity) best.set(personId, { personId, faceId, photoId: input.photoId, similarity });
    };
    const faces = input.faces.filter((f) => f.engineFaceId);
    // Whichever costs fewer calls: one search per face of the photo, or one per participant.
    if (faces.length <= byFaceId.size) {
      for (const face of faces) {
        for (const m of await this.search(collection, face.engineFaceId!, minSimilarity)) {
          const personId = m.faceId ? byFaceId.get(m.faceId) : undefined;
          if (personId) keep(personId, face.id, m.similarity);
        }
      }
    } else {
      const rowOf = new Map(faces.map((f) => [f.engineFaceId!, f.id]));
      for (const [selfieFaceId, personId] of byFaceId) {
        for (const m of await this.search(collection, selfieFaceId, minSimilarity)) {
          const row = m.faceId ? rowOf.get(m.faceId) : undefined;
          if (row) keep(personId, row, m.similarity);
        }
      }
    }
    return [...best.values()];
  }

  /** Rekognition's own threshold, lowered when an event asks for less than it (the similarity filter then decides). */
  private searchThreshold(minSimilarity: number): number {
    return Math.min(this.settings.faceThreshold, minSimilarity);
  }

  private async search(collection: string, faceId: string, minSimilarity: number): Promise<{ faceId: string | undefined; similarity: number }[]> {
    const out = await this.send('SearchFaces', () =>
      this.client.send(
        new SearchFacesCommand({ CollectionId: collection, FaceId: faceId, MaxFaces: 4096, FaceMatchThreshold: this.searchThreshold(minSimilarity) }),
      ), this.eventOf(collection));
    return (out.FaceMatches ?? []).map((m) => ({ faceId: m.Face?.FaceId, similarity: m.Similarity ?? 0 }));
  }

  async findParticipantInEvent(input: { eventId: string; participant: ParticipantFace; minSimilarity?: number | null }): Promise<FaceMatch[]> {
    const ref = parseRefs(input.participant.engineFaceId)[input.eventId];
    if (!ref) return [];
    const minSimilarity = input.minSimilarity ?? this.settings.minSimilarity;
    const collection = await this.collection(input.eventId);
    const out = await this.send('SearchFaces', () =>
      this.client.send(new SearchFacesCommand({ CollectionId: collection, FaceId: ref, MaxFaces: 4096, FaceMatchThreshold: this.searchThreshold(minSimilarity) })), input.eventId);
    const hits = (out.FaceMatches ?? []).filter(
      (m) => m.Face?.FaceId && m.Face.ExternalImageId?.startsWith('photo:') && (m.Similarity ?? 0) >= minSimilarity,
    );
    const rows = await this.refs.facesByEngineIds(hits.map((m) => m.Face!.FaceId!));
    const row = new Map(rows.map((r) => [r.engineFaceId, r]));
    const best = new Map<string, FaceMatch>();
    for (const m of hits) {
      const face = row.get(m.Face!.FaceId!);
      if (!face) continue;
      const current = best.get(face.photoId);
      if (!current || (m.Similarity ?? 0) > current.similarity) {
        best.set(face.photoId, { personId: input.participant.personId, faceId: face.faceId, photoId: face.photoId, similarity: m.Similarity ?? 0 });
      }
    }
    return [...best.values()];
  }

  async deletePhotoFaces(eventId: string, _photoId: string, faces: StoredFace[]): Promise<void> {
    const ids = faces.map((f) => f.engineFaceId).filter((id): id is string => Boolean(id));
    if (ids.length > 0) await this.deleteFaces(this.collectionName(eventId), ids);
  }

  /**
   * "This is me": one search from the claimed face; plausible when one of the
   * person's selfies comes back at CLAIM_MIN_SIMILARITY or more.
   */
  async judgeClaim(input: { eventId: string; face: StoredFace; selfies: ParticipantFace[] }): Promise<{ plausible: boolean; similarity: number }> {
    const refs = new Set(input.selfies.map((s) => parseRefs(s.engineFaceId)[input.eventId]).filter((r): r is string => Boolean(r)));
    if (!input.face.engineFaceId || refs.size === 0) return { plausible: false, similarity: 0 };
    const collection = await this.collection(input.eventId);
    const out = await this.send('SearchFaces', () =>
      this.client.send(new SearchFacesCommand({ CollectionId: collection, FaceId: input.face.engineFaceId!, MaxFaces: 4096, FaceMatchThreshold: CLAIM_MIN_SIMILARITY })), input.eventId);
    const similarity = Math.max(0, ...(out.FaceMatches ?? []).filter((m) => m.Face?.FaceId && refs.has(m.Face.FaceId)).map((m) => m.Similarity ?? 0));
    return { plausible: similarity >= CLAIM_MIN_SIMILARITY, similarity };
  }

  async deleteParticipantFaces(_personId: string, eventIds: string[], selfies: ParticipantFace[]): Promise<void> {
    // Only in these events' collections: a guest leaving one event stays findable in the others.
    const events = new Set(eventIds);
    for (const selfie of selfies) await this.deleteRefs(Object.fromEntries(Object.entries(parseRefs(selfie.engineFaceId)).filter(([eventId]) => events.has(eventId))));
  }

  async deleteEventFaces(eventId: string): Promise<void> {
    try {
      await this.send('DeleteCollection', () => this.client.send(new DeleteCollectionCommand({ CollectionId: this.collectionName(eventId) })), eventId);
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    }
    this.collections.delete(this.collectionName(eventId));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Calls made, by API name (for cost visibility). */
  usage(): Record<string, number> {
    return Object.fromEntries(this.calls);
  }

  private async deleteRefs(refs: Record<string, string>): Promise<void> {
    for (const [eventId, faceId] of Object.entries(refs)) await this.deleteFaces(this.collectionName(eventId), [faceId]);
  }

  private async deleteFaces(collection: string, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 4096) {
      try {
        await this.send('DeleteFaces', () => this.client.send(new DeleteFacesCommand({ CollectionId: collection, FaceIds: ids.slice(i, i + 4096) })), this.eventOf(collection));
      } catch (err) {
        // A collection already deleted (event erased) holds nothing left to delete.
        if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
        return;
      }
    }
  }

  private eventOf(collection: string): string {
    return collection.slice(`${this.settings.collectionPrefix}event-`.length);
  }

  private collectionName(eventId: string): string {
    return `${this.settings.collectionPrefix}event-${eventId}`;
  }

  /** The event's collection, created on first use. */
  private async collection(eventId: string): Promise<string> {
    const name = this.collectionName(eventId);
    if (this.collections.has(name)) return name;
    try {
      await this.send('CreateCollection', () => this.client.send(new CreateCollectionCommand({ CollectionId: name })), eventId);
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceAlreadyExistsException') throw err;
    }
    this.collections.add(name);
    return name;
  }

  private async imageOf(bytes: Buffer, objectKey: string): Promise<Image> {
    if (this.settings.bucket) return { S3Object: { Bucket: this.settings.bucket, Name: objectKey } };
    return { Bytes: await this.bytesOf(bytes) };
  }

  /** Rekognition takes at most 5 MB of bytes: larger images are sent as a 4096-px JPEG. */
  private async bytesOf(bytes: Buffer): Promise<Uint8Array> {
    if (bytes.length <= MAX_BYTES) return bytes;
    return sharp(bytes).rotate().resize({ width: 4096, height: 4096, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 90 }).toBuffer();
  }

  /** Paces, counts and retries one call. */
  private async send<T>(api: string, call: () => Promise<T>, eventId: string | null): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.bucket.take();
      this.calls.set(api, (this.calls.get(api) ?? 0) + 1);
      this.usageRecorder.record(api, eventId);
      try {
        return await call();
      } catch (err) {
        const name = (err as { name?: string }).name ?? '';
        if (THROTTLED.has(name) && attempt < 6) {
          const delay = Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
          this.logger.warn({ api, attempt, delayMs: Math.round(delay) }, 'Rekognition throttled; backing off');
          await new Promise((r) => setTimeout(r, delay));
          continue;
        }
        if (UNREADABLE.has(name) || (name === 'InvalidParameterException' && api === 'IndexFaces')) {
          throw new UnreadableImageError('The face service could not read this image.');
        }
        throw err;
      }
    }
  }
}

function parseRefs(engineFaceId: string | null): Record<string, string> {
  if (!engineFaceId) return {};
  try {
    const value = JSON.parse(engineFaceId) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}
