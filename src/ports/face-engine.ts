import type { EventBus } from './event-bus.js';
/** A box relative to the (EXIF-rotated) image: 0..1 on each axis. */
export interface FaceBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A face found in a photo or a selfie. */
export interface DetectedFace {
  box: FaceBox;
  confidence: number;
  /** The embedding (local engine), or null when the engine keeps it (Rekognition). */
  vector: Float32Array | null;
  /** The engine's own id (Rekognition FaceId), or null. */
  engineFaceId: string | null;
}

export interface PhotoImage {
  photoId: string;
  eventId: string;
  /** The uploaded bytes (already validated as an image). */
  original: Buffer;
  /** Where the original lives, for engines that read storage themselves. */
  objectKey: string;
  /** Told where the engine's time went, by engines that can say (the local one); in ms. */
  onStages?: (stages: FaceStages) => void;
}

/** The face engine's stages for one photo, in ms: decoding the original, finding the boxes, describing the faces. */
export interface FaceStages {
  decode: number;
  boxes: number;
  descriptors: number;
}

/** Why a selfie cannot be used, with a sentence the guest can act on. */
export type SelfieRejection = 'NO_FACE' | 'MANY_FACES' | 'FACE_TOO_SMALL' | 'BLURRY' | 'NOT_AN_IMAGE';

export type SelfieCheck =
  | { ok: true; face: DetectedFace }
  | { ok: false; reason: SelfieRejection; message: string; faces: number };

/** A stored face of a photo, as the engine needs it to compare. */
export interface StoredFace {
  id: string;
  photoId: string;
  vector: Float32Array | null;
  engineFaceId: string | null;
}

/**
 * One reference face of a person a guest looks for (one of their active
 * selfies): the guest themself, whose person id is their user id, or
 * someone they added.
 */
export interface ParticipantFace {
  personId: string;
  vector: Float32Array | null;
  engineFaceId: string | null;
  /**
   * Faces the participant is matched to in the event (never ones they said
   * "not me" to). Engines that compare vectors use those close to the selfie
   * as extra references, with a stricter cutoff; they never replace the selfie.
   * A `claimed` face ("this is me") is a reference whatever its distance.
   */
  references?: { faceId: string; vector: Float32Array; claimed?: boolean }[];
  /** Photos the participant said "not me" to: never a reference. */
  rejectedPhotoIds?: string[];
}

export interface FaceMatch {
  personId: string;
  faceId: string;
  photoId: string;
  /** 0..100, higher is more alike. */
  similarity: number;
}

/**
 * Face detection and search, shaped by FindMe's use cases so that a local model
 * and a cloud service fit the same calls.
 */
export interface FaceEngine {
  readonly name: string;
  /** Detects and describes a processed photo's faces (indexing them where the engine keeps an index). */
  indexPhotoFaces(image: PhotoImage): Promise<DetectedFace[]>;
  /** Validates a selfie (exactly one usable face) and describes it. */
  indexSelfie(input: { personId: string; selfieId: string; image: Buffer; objectKey: string; eventIds: string[] }): Promise<SelfieCheck>;
  /**
   * True when searching every participant once for the current batch of photos
   * (`batchSize` photos of the event in flight or waiting) costs less than
   * searching this photo's faces now (engines that pay per search).
   */
  prefersBatchSearch(faceCount: number, participantCount: number, batchSize: number): boolean;
  /** Which of these participants appear among a photo's faces (best face per participant). */
  /**
   * `minSimilarity`: the event's own threshold (Event.settings.matchThreshold, on the
   * 0..100 scale FaceMatch.similarity uses); the engine's default when null or absent.
   */
  findParticipantsInPhoto(input: { eventId: string; photoId: string; faces: StoredFace[]; participants: ParticipantFace[]; minSimilarity?: number | null }): Promise<FaceMatch[]>;
  /** Every photo of the event in which the participant appears (best face per photo). */
  findParticipantInEvent(input: { eventId: string; participant: ParticipantFace; minSimilarity?: number | null }): Promise<FaceMatch[]>;
  deletePhotoFaces(eventId: string, photoId: string, faces: StoredFace[]): Promise<void>;
  /**
   * "This is me": whether a photo's face plausibly belongs to the person with
   * these selfies (far looser than matching: it only keeps strangers' faces
   * out), with its similarity on the 0..100 scale of FaceMatch.
   */
  judgeClaim(input: { eventId: string; face: StoredFace; selfies: ParticipantFace[] }): Promise<{ plausible: boolean; similarity: number }>;
  /** Forgets the person's selfie faces in these events (and only these). */
  deleteParticipantFaces(personId: string, eventIds: string[], selfies: ParticipantFace[]): Promise<void>;
  deleteEventFaces(eventId: string): Promise<void>;
  /** Releases threads and clients. */
  close(): Promise<void>;
  /**
   * Follows what other processes change (faces indexed or erased) on the bus,
   * for engines that keep state in memory; returns the unsubscribe.
   */
  attach?(bus: EventBus): () => void;
}

/** Raised by an engine that cannot read the image itself (the photo fails for good). */
export class UnreadableImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableImageError';
  }
}

/** Finds our face rows from an engine's face ids (engines that keep their own index). */
export interface FaceRefSource {
  facesByEngineIds(engineFaceIds: string[]): Promise<{ faceId: string; photoId: string; engineFaceId: string }[]>;
}

/** A stored face descriptor of a photo, as the local engine's index holds it. */
export interface FaceVector {
  faceId: string;
  photoId: string;
  vector: Float32Array;
}

/** Where the local engine's index reads stored vectors from. */
export interface FaceVectorSource {
  eventVectors(eventId: string): Promise<FaceVector[]>;
  /** Faces of the event created at or after `since` (catch-up of what the bus may not have told yet). */
  recentVectors(eventId: string, since: Date): Promise<FaceVector[]>;
}
