import sharp from 'sharp';
import type { ImageFormat } from '../../ports/image-processor.js';

/**
 * The original as guests download it: the photographer's pixels at full
 * resolution, without the metadata that says where the photo was taken or
 * which camera body took it (GPS, serial numbers, maker notes, XMP, IPTC).
 *
 * A JPEG keeps its compressed data byte for byte: only metadata segments are
 * dropped (APP1 Exif/XMP, APP13 IPTC, MPF and the other application segments
 * and comments), its colour profile (APP2 ICC) and JFIF/Adobe headers stay,
 * and a minimal Exif block with the orientation alone is written back so
 * viewers still turn it upright. The file ends at the primary image's EOI:
 * whatever a camera or phone appends after it (MPF previews, depth maps,
 * motion-photo videos, each with Exif of its own) is left out. Other formats
 * are re-encoded without metadata.
 */
export async function guestOriginal(bytes: Buffer, format: ImageFormat, orientation: number | undefined): Promise<{ bytes: Buffer; contentType: string }> {
  if (format === 'jpeg') {
    const stripped = stripJpegMetadata(bytes, orientation ?? 1);
    if (stripped) return { bytes: stripped, contentType: 'image/jpeg' };
  }
  // Pixels only (rotated upright), with the colour profile.
  const image = sharp(bytes, { limitInputPixels: false }).rotate().keepIccProfile();
  if (format === 'png') return { bytes: await image.png().toBuffer(), contentType: 'image/png' };
  if (format === 'webp') return { bytes: await image.webp({ quality: 95 }).toBuffer(), contentType: 'image/webp' };
  return { bytes: await image.jpeg({ quality: 95 }).toBuffer(), contentType: 'image/jpeg' };
}

/** Segments kept: JFIF (APP0), ICC profile (APP2 named ICC_PROFILE), Adobe colour transform (APP14). */
const KEPT_APP = new Set([0xe0, 0xe2, 0xee]);
const ICC = Buffer.from('ICC_PROFILE\0', 'latin1');

/** Whether an application segment (marker and bytes, header included) stays. */
function keepsApp(marker: number, segment: Buffer): boolean {
  if (!KEPT_APP.has(marker)) return false;
  // APP2 also carries MPF (the index of the images appended after this one): only the colour profile stays.
  return marker !== 0xe2 || segment.subarray(4, 4 + ICC.length).equals(ICC);
}

/** The JPEG with its metadata segments removed, or null when its structure is not what we expect. */
export function stripJpegMetadata(bytes: Buffer, orientation: number): Buffer | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const parts: Buffer[] = [bytes.subarray(0, 2), orientationExif(orientation)];
  let offset = 2;
  while (offset + 2 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) {
      // End of image: anything after it (a second image, a video) is not the photo.
      parts.push(bytes.subarray(offset, offset + 2));
      return Buffer.concat(parts);
    }
    if (offset + 4 > bytes.length) return null;
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2 || offset + 2 + length > bytes.length) return null;
    const segment = bytes.subarray(offset, offset + 2 + length);
    const isApp = marker >= 0xe0 && marker <= 0xef;
    const isComment = marker === 0xfe;
    if ((!isApp && !isComment) || keepsApp(marker, segment)) parts.push(segment);
    offset += 2 + length;
    if (marker === 0xda) {
      // Start of scan: its entropy-coded data is kept byte for byte, up to the next marker.
      const end = scanEnd(bytes, offset);
      // A file cut short in its scan data keeps what it has (it holds no appended image).
      parts.push(bytes.subarray(offset, end ?? bytes.length));
      if (end === null) return Buffer.concat(parts);
      offset = end;
    }
  }
  return null;
}

/**
 * Where a scan's entropy-coded data ends: at the first marker that is not a
 * stuffed 0xFF00 or a restart marker (RST0–7), or null when the file ends first.
 */
function scanEnd(bytes: Buffer, from: number): number | null {
  for (let i = bytes.indexOf(0xff, from); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    const next = bytes[i + 1]!;
    if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) continue;
    return i;
  }
  return null;
}

/** An APP1 Exif segment holding one tag: Orientation. */
function orientationExif(orientation: number): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // first IFD right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // count
  tiff.writeUInt16BE(Math.min(8, Math.max(1, Math.round(orientation))), 18);
  tiff.writeUInt32BE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}
