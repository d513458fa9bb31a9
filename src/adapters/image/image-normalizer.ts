import sharp, { type Metadata } from 'sharp';
import { PhotoProcessingError } from '../../domain/photo-processing-error.js';
import type { ImageFormat, NormalizedImage, NormalizeOptions } from '../../ports/image-processor.js';

/** What the first bytes say the file is; null when it is no image we read. */
export function sniffFormat(bytes: Buffer): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp' && /^(heic|heix|mif1|msf1|heim|heis)$/.test(bytes.toString('latin1', 8, 12))) {
    return 'heic';
  }
  return null;
}

/** Whether this sharp build decodes HEIC (prebuilt libvips usually does not: HEVC is patent-encumbered). */
export function canReadHeic(): boolean {
  return sharp.format.heif.input.fileSuffix?.includes('.heic') ?? false;
}

const DESCRIBE: Record<string, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  heic: 'HEIC',
};

/**
 * Validates and normalises an uploaded image: refuses what is not an image or
 * too many pixels (from the header, before decoding), decodes strictly (a
 * truncated file is an error, not a grey half), rotates by EXIF, converts to
 * sRGB and writes a display JPEG and a WebP thumbnail. sharp writes no metadata
 * unless asked, so EXIF (GPS included) is gone from both.
 */
/** The header's word on the file: a format we read, sound, within the pixel limit (nothing decoded). */
async function readHeader(bytes: Buffer, maxPixels: number): Promise<{ format: ImageFormat; meta: Metadata }> {
  const format = sniffFormat(bytes);
  if (!format) throw new PhotoProcessingError('UNSUPPORTED_FORMAT', `The file is not a JPEG, PNG or WebP image${describeContent(bytes)}.`);
  if (format === 'heic' && !canReadHeic()) {
    throw new PhotoProcessingError('UNSUPPORTED_FORMAT', 'HEIC photos cannot be read here; export them as JPEG.');
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new PhotoProcessingError('CORRUPT_IMAGE', `The file is not a readable image (damaged ${DESCRIBE[format]} header).`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > maxPixels) {
    throw new PhotoProcessingError(
      'TOO_MANY_PIXELS',
      `The image is too large (${width} × ${height} pixels; the limit is ${Math.round(maxPixels / 1_000_000)} megapixels).`,
    );
  }
  return { format, meta };
}

export async function inspectImage(bytes: Buffer, options: Pick<NormalizeOptions, 'maxPixels'>): Promise<void> {
  await readHeader(bytes, options.maxPixels);
}

export async function normalizeImage(bytes: Buffer, options: NormalizeOptions): Promise<NormalizedImage> {
  const { format, meta } = await readHeader(bytes, options.maxPixels);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const rotated = (meta.orientation ?? 1) >= 5;
  try {
    const base = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'warning', sequentialRead: true })
      .rotate()
      .toColourspace('srgb');
    // Both outputs decode the same input: wait for both, so a damaged file is described by
    // every decoder's message (the first to fail is a race, and may only say "damaged").
    const outputs = await Promise.allSettled([
      base
        .clone()
        .resize({ width: options.displayLongSide, height: options.displayLongSide, fit: 'inside', withoutEnlargement: true })
        // mozjpeg's trellis quantisation and tables, without its search for the best progressive
        // scans: 1 % larger files for about half the encoding time (still progressive).
        .jpeg({ quality: 85, mozjpeg: options.mozjpeg, optimiseScans: false })
        .toBuffer(),
      base
        .clone()
        .resize({ width: options.thumbnailLongSide, height: options.thumbnailLongSide, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 })
        .toBuffer(),
    ]);
    const failures = outputs.flatMap((o) => (o.status === 'rejected' ? [o.reason instanceof Error ? o.reason.message : String(o.reason)] : []));
    if (failures.length > 0) throw new Error(failures.join('; '));
    const [display, thumbnail] = outputs.map((o) => (o as PromiseFulfilledResult<Buffer>).value) as [Buffer, Buffer];
    return { width: rotated ? height : width, height: rotated ? width : height, format, orientation: meta.orientation ?? 1, display, thumbnail };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const detail = /premature end|truncated|unexpected end|not enough data|short read|end of file/i.test(message)
      ? `truncated ${DESCRIBE[format]}`
      : `damaged ${DESCRIBE[format]} data`;
    throw new PhotoProcessingError('CORRUPT_IMAGE', `The file is not a readable image (${detail}).`, { cause: err });
  }
}

function describeContent(bytes: Buffer): string {
  const head = bytes.subarray(0, 512).toString('latin1');
  if (bytes.length === 0) return ' (it is empty)';
  if (/^\s*</.test(head) && /<svg/i.test(head)) return ' (it is an SVG drawing)';
  if (/^\s*</.test(head)) return ' (it looks like HTML or XML)';
  if (/^%PDF/.test(head)) return ' (it is a PDF)';
  if (/^[\x09\x0a\x0d\x20-\x7e]*$/.test(head)) return ' (it looks like text)';
  return '';
}
