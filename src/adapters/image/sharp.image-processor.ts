import type { ImageProcessor } from '../../ports/image-processor.js';
import { guestOriginal } from './guest-original.js';
import { inspectImage, normalizeImage, sniffFormat } from './image-normalizer.js';

/** Photos through sharp (libvips): strict decoding, EXIF rotation, sRGB, metadata left behind. */
export const sharpImageProcessor: ImageProcessor = {
  sniff: sniffFormat,
  inspect: inspectImage,
  normalize: normalizeImage,
  guestOriginal,
};
