/**
 * bench/compare-cutoff: where `findme faces compare` draws the line between
 * "the same person" and "two people" for two photos (no flip-averaged selfie
 * behind either side). Every pair of the dev set's identity photos (8 people
 * × 5 photos: 80 same-person pairs, 700 others) is described as the command
 * does, and the distances of both kinds are printed with the error rates at
 * the selfie cutoff and at the photo-to-photo cutoff the command uses.
 *
 *   npm run bench:compare-cutoff
 */
import 'reflect-metadata';
import { readFile, readdir } from 'node:fs/promises';
import { FacePool } from '../src/adapters/faces/local/face-pool.js';
import { distance, PHOTO_PAIR_MAX_DISTANCE } from '../src/adapters/faces/local/local.face-engine.js';
import { createLogger } from '../src/logger.js';

const DEV = new URL('../../test/fixtures/faces/identities/', import.meta.url);
const SELFIE_CUTOFF = 0.54;

async function main(): Promise<void> {
  const pool = new FacePool(2, createLogger('warn'));
  const photos: { who: string; file: string; descriptor: Float32Array }[] = [];
  try {
    for (const who of (await readdir(DEV)).sort()) {
      for (const file of (await readdir(new URL(`${who}/`, DEV))).filter((f) => f.endsWith('.png')).sort()) {
        const r = await pool.detect(await readFile(new URL(`${who}/${file}`, DEV)), { minConfidence: 0.5, tileSize: 1024, maxSide: 6144, padIfNone: true, sharpness: true });
        const largest = [...r.faces].sort((x, y) => y.box.width * y.box.height - x.box.width * x.box.height)[0];
        if (largest) photos.push({ who, file, descriptor: largest.descriptor });
        else process.stdout.write(`no face in ${who}/${file}\n`);
      }
    }
  } finally {
    await pool.close();
  }
  const same: number[] = [];
  const other: number[] = [];
  const rescued: string[] = [];
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      const [a, b] = [photos[i]!, photos[j]!];
      const d = distance(a.descriptor, b.descriptor);
      (a.who === b.who ? same : other).push(d);
      if (a.who === b.who && d > SELFIE_CUTOFF && d <= PHOTO_PAIR_MAX_DISTANCE) rescued.push(`${a.who}/${a.file}–${b.file} ${d.toFixed(3)}`);
    }
  }
  same.sort((a, b) => a - b);
  other.sort((a, b) => a - b);
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(3);
  const rates = (cut: number) => ({
    falseReject: same.filter((d) => d > cut).length / same.length,
    falseAccept: other.filter((d) => d <= cut).length / other.length,
  });
  // The highest cutoff that accepts no pair of two people in the dev set, less a margin of 0.02 for what it has not seen.
  const safest = (other[0]! - 0.02).toFixed(3);
  process.stdout.write(
    [
      `${photos.length} photos described: ${same.length} same-person pairs, ${other.length} pairs of two people`,
      `same person   min ${same[0]!.toFixed(3)}  p50 ${q(same, 0.5)}  p95 ${q(same, 0.95)}  max ${same.at(-1)!.toFixed(3)}`,
      `two people    min ${other[0]!.toFixed(3)}  p5 ${q(other, 0.05)}  p50 ${q(other, 0.5)}`,
      `selfie cutoff ${SELFIE_CUTOFF}: ${fmt(rates(SELFIE_CUTOFF))}`,
      `photo cutoff  ${PHOTO_PAIR_MAX_DISTANCE} (findme faces compare): ${fmt(rates(PHOTO_PAIR_MAX_DISTANCE))}`,
      `closest pair of two people less 0.02: ${safest}`,
      `same-person pairs the selfie cutoff calls different and the photo cutoff calls the same: ${rescued.join(', ') || 'none'}`,
    ].join('\n') + '\n',
  );
}

function fmt(r: { falseReject: number; falseAccept: number }): string {
  return `same person called different ${(r.falseReject * 100).toFixed(1)} %, two people called the same ${(r.falseAccept * 100).toFixed(1)} %`;
}

await main();
