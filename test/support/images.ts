import { readFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** The identity-labelled dev photos, copied from shared/faces/dev (see test/fixtures/faces/SOURCE.md). */
export const FACES = new URL('../../../test/fixtures/faces/', import.meta.url);

/** An identity's face crop (150×150 grayscale PNG). */
export function identityPhoto(who: string, n: 1 | 2 | 3 | 4 | 5): Promise<Buffer> {
  return readFile(new URL(`identities/${who}/${n}.png`, FACES));
}

export interface GroupLabel {
  path: string;
  identities: string[];
}

/** Who is in each group photo (manifest.json, checked by eye). */
export async function groupLabels(): Promise<GroupLabel[]> {
  const manifest = JSON.parse(await readFile(new URL('manifest.json', FACES), 'utf8')) as { files: (GroupLabel & { kind: string })[] };
  return manifest.files.filter((f) => f.kind === 'group').map((f) => ({ path: f.path, identities: f.identities }));
}

export function devGroupPhoto(n: 1 | 2 | 3 | 4 | 5): Promise<Buffer> {
  return readFile(new URL(`groups/bbt${n}.jpg`, FACES));
}

/** The first `fraction` of a file, as an interrupted upload leaves it. */
export function truncate(bytes: Buffer, fraction = 0.6): Buffer {
  return Buffer.from(bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** A JPEG that says "rotate 90°" and carries GPS coordinates in its EXIF. */
export async function phoneJpegWithGps(source: Buffer): Promise<Buffer> {
  return sharp(source)
    .withMetadata({ orientation: 6 })
    .withExif({ IFD0: { Make: 'FindMePhone', Copyright: 'guest' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' } })
    .jpeg()
    .toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/**
 * A PNG whose header declares width × height pixels but whose data is a few
 * kilobytes: a decompression bomb as far as a naive decoder is concerned.
 */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * 16); // 16 black rows; the rest is missing
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Resized copies of the dev photos, `count` of them with distinct bytes. */
export async function generatedPhotos(count: number, longSide: number): Promise<Buffer[]> {
  const sources = await Promise.all(([1, 2, 3, 4, 5] as const).map(devGroupPhoto));
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      await sharp(sources[i % sources.length]!)
        .resize({ width: longSide, height: longSide, fit: 'inside' })
        .modulate({ brightness: 1 + (i % 7) / 100 })
        .jpeg({ quality: 85 })
        .toBuffer(),
    );
  }
  return out;
}
