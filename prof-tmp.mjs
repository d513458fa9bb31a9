import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import pino from 'pino';
const { normalizeImage } = await import('/work/main/dist/src/adapters/image/image-normalizer.js');
const { guestOriginal } = await import('/work/main/dist/src/adapters/image/guest-original.js');
const { FacePool } = await import('/work/main/dist/src/adapters/faces/local/face-pool.js');
const FACES = '/work/main/test/fixtures/faces/';
async function frame(n) {
  const groups = await Promise.all([3, 4, 5, 1].map(async (g) => sharp(await readFile(`${FACES}groups/bbt${g}.jpg`)).resize(2000).toBuffer()));
  const at = [{ left: 400 + (n % 7) * 40, top: 300 }, { left: 3300, top: 400 + (n % 5) * 30 }, { left: 500, top: 2300 }, { left: 3400 - (n % 3) * 50, top: 2400 }];
  return sharp({ create: { width: 6000, height: 4000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 110, sigma: 35 } } })
    .composite(groups.map((input, i) => ({ input, ...at[i] }))).jpeg({ quality: 90 }).toBuffer();
}
const threads = Number(process.env.T ?? 2);
const pool = new FacePool(threads, pino({ level: 'silent' }));
await pool.warm();
const opts = { minConfidence: 0.5, tileSize: 1024, padIfNone: true, maxSide: 6144 };
for (let n = 0; n < 3; n++) {
  const bytes = await frame(n);
  let t = performance.now();
  const img = await normalizeImage(bytes, { maxPixels: 100e6, mozjpeg: true, displayLongSide: 2048, thumbnailLongSide: 400 });
  const tNorm = performance.now() - t; t = performance.now();
  const g = await guestOriginal(bytes, img.format, img.orientation);
  const tGuest = performance.now() - t; t = performance.now();
  const r = await pool.detect(bytes, opts);
  const tFaces = performance.now() - t;
  console.log(`frame ${n}: normalize ${tNorm.toFixed(0)} ms, guestOriginal ${tGuest.toFixed(0)} ms, faces ${tFaces.toFixed(0)} ms (${r.faces.length} faces, ${r.tiles} tiles)`);
}
await pool.close();
