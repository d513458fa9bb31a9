/**
 * bench/recall-levers: one of the levers on recall measured on the dev set.
 * Event faces are described once (today), or as the average of the face and
 * its mirror image (test-time flips, as selfies already are). Every dev
 * identity photo is then searched, as a selfie, in the 5 labelled group
 * photos, at three cutoffs. This is the plain distance search, without the
 * matcher's extra references, so the two ways of describing compare like for
 * like. The cost is the descriptor stage's time per face.
 *
 *   npm run bench:recall-levers
 */
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { FacePool } from '../src/adapters/faces/local/face-pool.js';
import { distance } from '../src/adapters/faces/local/local.face-engine.js';
import { createLogger } from '../src/logger.js';

const FACES = new URL('../../test/fixtures/faces/', import.meta.url);
const PEOPLE = ['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon', 'stuart'];
const CUTOFFS = [0.5, 0.54, 0.58];

async function main(): Promise<void> {
  const manifest = JSON.parse(await readFile(new URL('manifest.json', FACES), 'utf8')) as { files: { kind: string; path: string; identities: string[] }[] };
  const groups = manifest.files.filter((f) => f.kind === 'group');
  const pool = new FacePool(2, createLogger('warn'));
  const lines: string[] = [];
  try {
    const selfies: { who: string; vector: Float32Array }[] = [];
    for (const who of PEOPLE) {
      for (const n of [1, 2, 3, 4, 5]) {
        const r = await pool.detect(await readFile(new URL(`identities/${who}/${n}.png`, FACES)), { minConfidence: 0.5, tileSize: 0, padIfNone: true, maxSide: 1024, flipAverage: true });
        const face = [...r.faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
        if (face) selfies.push({ who, vector: face.descriptor });
      }
    }
    lines.push(`${selfies.length} selfies (flip-averaged, as FindMe takes them) searched in ${groups.length} group photos; ${selfies.length * groups.length} selfie × photo pairs`);
    for (const flip of [false, true]) {
      const photos: { identities: string[]; faces: Float32Array[] }[] = [];
      let describeMs = 0;
      let faces = 0;
      for (const g of groups) {
        const r = await pool.detect(await readFile(new URL(g.path, FACES)), { minConfidence: 0.5, tileSize: 1024, maxSide: 6144, padIfNone: true, flipAverage: flip });
        photos.push({ identities: g.identities, faces: r.faces.map((f) => f.descriptor) });
        describeMs += r.timings.descriptors;
        faces += r.faces.length;
      }
      const name = flip ? 'event faces flip-averaged' : 'event faces described once';
      lines.push(`${name}: ${faces} faces, descriptors ${(describeMs / faces).toFixed(0)} ms per face`);
      for (const cutoff of CUTOFFS) {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        for (const s of selfies) {
          for (const p of photos) {
            const hit = p.faces.some((f) => distance(f, s.vector) <= cutoff);
            const truth = p.identities.includes(s.who);
            if (hit && truth) tp++;
            else if (hit) fp++;
            else if (truth) fn++;
          }
        }
        lines.push(`  at ${cutoff.toFixed(2)}: precision ${(tp / (tp + fp)).toFixed(3)}, recall ${(tp / (tp + fn)).toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`);
      }
    }
  } finally {
    await pool.close();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
