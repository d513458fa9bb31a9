/**
 * bench/people: the dev-set figures behind a guest's own corrections.
 *
 * 1. Recall with 1, 2 and 3 selfies. Each dev identity's 5 photos serve as
 *    selfies (flip-averaged, as FindMe takes them); for k selfies every
 *    combination of k of the 5 is tried, and a labelled face of the 5 group
 *    photos is found when it lies within the matching cutoff (0.54) of any of
 *    them (the plain search, without the matcher's extra references).
 * 2. The "this is me" cutoff (CLAIM_MAX_DISTANCE): every labelled group face
 *    claimed by every identity, with 1 and with 3 selfies. A claim of one's
 *    own face refused, and a claim of a stranger's face accepted (the
 *    false-accept rate the check exists for), at several cutoffs.
 *
 *   npm run bench:people
 */
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { FacePool } from '../src/adapters/faces/local/face-pool.js';
import { CLAIM_MAX_DISTANCE, distance } from '../src/adapters/faces/local/local.face-engine.js';
import { createLogger } from '../src/logger.js';

const FACES = new URL('../../test/fixtures/faces/', import.meta.url);
const PEOPLE = ['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon', 'stuart'];
const MATCH_CUTOFF = 0.54;

interface GroupFile {
  path: string;
  kind: string;
  faces_left_to_right: { box_xywh: [number, number, number, number]; identity: string | null }[];
  width: number;
  height: number;
}

async function main(): Promise<void> {
  const manifest = JSON.parse(await readFile(new URL('manifest.json', FACES), 'utf8')) as { files: GroupFile[] };
  const groups = manifest.files.filter((f) => f.kind === 'group');
  const pool = new FacePool(2, createLogger('warn'));
  const selfies = new Map<string, Float32Array[]>();
  const faces: { who: string; vector: Float32Array }[] = [];
  try {
    for (const who of PEOPLE) {
      const own: Float32Array[] = [];
      for (const n of [1, 2, 3, 4, 5]) {
        const r = await pool.detect(await readFile(new URL(`identities/${who}/${n}.png`, FACES)), { minConfidence: 0.5, tileSize: 0, padIfNone: true, maxSide: 1024, flipAverage: true });
        const face = [...r.faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
        if (face) own.push(face.descriptor);
      }
      selfies.set(who, own);
    }
    for (const g of groups) {
      const r = await pool.detect(await readFile(new URL(g.path, FACES)), { minConfidence: 0.5, tileSize: 1024, maxSide: 6144, padIfNone: true });
      for (const label of g.faces_left_to_right) {
        if (!label.identity) continue;
        const [x, y, w, h] = label.box_xywh;
        const box = { left: x / g.width, top: y / g.height, width: w / g.width, height: h / g.height };
        const found = r.faces.find((f) => iou(f.box, box) > 0.3);
        if (found) faces.push({ who: label.identity, vector: found.descriptor });
      }
    }
  } finally {
    await pool.close();
  }
  const lines = [`${[...selfies.values()].flat().length} identity photos as selfies; ${faces.length} labelled faces in ${groups.length} group photos`];

  lines.push('Recall with several selfies (a face found when within 0.54 of any of them; every combination of k of each person\'s 5 photos):');
  for (const k of [1, 2, 3]) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let sets = 0;
    for (const who of PEOPLE) {
      for (const set of combinations(selfies.get(who)!, k)) {
        sets++;
        for (const f of faces) {
          const hit = set.some((s) => distance(s, f.vector) <= MATCH_CUTOFF);
          if (hit && f.who === who) tp++;
          else if (hit) fp++;
          else if (f.who === who) fn++;
        }
      }
    }
    lines.push(`  ${k} selfie${k > 1 ? 's' : ''}: recall ${(tp / (tp + fn)).toFixed(3)}, precision ${(tp / Math.max(1, tp + fp)).toFixed(3)} (${sets} selfie sets; tp ${tp}, fp ${fp}, fn ${fn})`);
  }

  lines.push(`"This is me" claims (every labelled face claimed by every person; the check takes the closest of their selfies):`);
  for (const k of [1, 3]) {
    const own: number[] = [];
    const stranger: number[] = [];
    for (const who of PEOPLE) {
      for (const set of combinations(selfies.get(who)!, k)) {
        for (const f of faces) (f.who === who ? own : stranger).push(Math.min(...set.map((s) => distance(s, f.vector))));
      }
    }
    own.sort((a, b) => a - b);
    stranger.sort((a, b) => a - b);
    lines.push(`  ${k} selfie${k > 1 ? 's' : ''}: own faces ${own.length} claims, max distance ${own.at(-1)!.toFixed(3)}; strangers' faces ${stranger.length} claims, min distance ${stranger[0]!.toFixed(3)}`);
    for (const cut of [...new Set([0.58, 0.6, 0.62, 0.64, 0.66, CLAIM_MAX_DISTANCE])].sort((a, b) => a - b)) {
      const refused = own.filter((d) => d > cut).length / own.length;
      const accepted = stranger.filter((d) => d <= cut).length / stranger.length;
      lines.push(`    at ${cut.toFixed(2)}${cut === CLAIM_MAX_DISTANCE ? ' (CLAIM_MAX_DISTANCE)' : ''}: own face refused ${(refused * 100).toFixed(1)} %, stranger's face accepted ${(accepted * 100).toFixed(1)} %`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function iou(a: { left: number; top: number; width: number; height: number }, b: { left: number; top: number; width: number; height: number }): number {
  const w = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const h = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

function combinations<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => combinations(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

await main();
