/** A face found in a photo, with its box relative to the normalised image (0..1). */
export interface DetectedFace {
  box: { left: number; top: number; width: number; height: number };
  confidence: number;
  /** The engine's embedding (local engine), or null when the engine keeps it (Rekognition). */
  vector: Float32Array | null;
  engineFaceId: string | null;
}

export interface PhotoImage {
  photoId: string;
  eventId: string;
  /** The normalised display JPEG (EXIF-rotated, metadata stripped). */
  jpeg: Buffer;
  width: number;
  height: number;
  /** Where the original lives, for engines that read storage directly. */
  objectKey: string;
}

/** Detects and indexes faces. The matching issue adds the local and Rekognition engines. */
export interface FaceEngine {
  readonly name: string;
  indexPhotoFaces(image: PhotoImage): Promise<DetectedFace[]>;
  /** Forgets a photo's faces (engines that keep their own index). */
  deletePhotoFaces(eventId: string, photoId: string): Promise<void>;
}
