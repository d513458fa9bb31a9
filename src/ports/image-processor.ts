/** Image formats FindMe reads. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'heic';

export interface NormalizedImage {
  /** Dimensions of the original after EXIF rotation. */
  width: number;
  height: number;
  format: ImageFormat;
  /** EXIF orientation of the original (1 when none). */
  orientation: number;
  display: Buffer;
  thumbnail: Buffer;
}

export interface NormalizeOptions {
  maxPixels: number;
  mozjpeg: boolean;
  displayLongSide: number;
  thumbnailLongSide: number;
}

/**
 * Decoding and re-encoding photos. Failures the photographer can act on are
 * thrown as PhotoProcessingError with a code and one sentence.
 */
export interface ImageProcessor {
  /** What the first bytes say the file is; null when it is no image we read. */
  sniff(bytes: Buffer): ImageFormat | null;
  /**
   * Reads the header only: the format is one we read, the header is sound and
   * the pixels are within `maxPixels` (nothing is decoded). What normalize
   * checks first; done alone, decoding elsewhere (faces) can start at once.
   */
  inspect(bytes: Buffer, options: Pick<NormalizeOptions, 'maxPixels'>): Promise<void>;
  /** Validates, rotates upright and renders the display copy and the thumbnail (no metadata). */
  normalize(bytes: Buffer, options: NormalizeOptions): Promise<NormalizedImage>;
  /** The original as guests download it: no GPS, serial numbers or other identifying metadata. */
  guestOriginal(bytes: Buffer, format: ImageFormat, orientation: number): Promise<{ bytes: Buffer; contentType: string }>;
}
