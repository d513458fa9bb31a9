/**
 * bench/faces: the local engine on 50 real photos (the dev group photos resized
 * to 1920 px): a naive single-threaded face-api loop, the worker-thread pool,
 * and the whole worker (upload → DONE with faces), in one run. Then wedding
 * scale: 24-megapixel photos (6000 × 4000) holding dev group photos shrunk so
 * faces are about 40–90 px tall, on a plain and on a textured background,
 * through the engine (both threads, tiled) and end to end through the worker
 * (upload complete → DONE), against a plain face-api pass (one thread,
 * downscaled to 1600 px) on the same photos.
 *
 * Last, the crowd: 24 MP photos covered edge to edge with the dev group photos
 * (about 70 faces each), end to end through the worker (upload complete →
 * DONE) against the plain pass, in time and in CPU per face described.
 *
 *   npm run bench:faces [-- --photos 50 --big 4 --textured 2 --crowd 4]
 */
import 'reflect-metadata';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { FaceModel } from '../src/adapters/faces/local/face-model.js';
import { LocalFaceEngine } from '../src/adapters/faces/local/local.face-engine.js';
import { Application, openDatabase } from '../src/composition/application.js';
import { loadConfig } from '../src/config/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createLogger } from '../src/logger.js';
import sharp, { type OverlayOptions } from 'sharp';
import { FACES, generatedPhotos } from '../test/support/images.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg('--photos', 50);
const bigCount = arg('--big', 4);
const texturedCount = arg('--textured', 2);
const crowdCount = arg('--crowd', 4);

/** A face the photo holds, in pixels. */
interface PlacedFace {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * 6000 × 4000 photos, each holding two dev group photos shrunk by 80/145 (the
 * faces of bbt1 come out 70–90 px tall, the others' smaller), with where those
 * faces are. The background is a plain colour (a wall, a sky: the tiles there
 * are skipped) or, for the worst case, fine texture everywhere (every tile must
 * be looked at).
 */
async function weddingScalePhotos(n: number, background: 'plain' | 'textured'): Promise<{ bytes: Buffer; faces: PlacedFace[] }[]> {
  const manifest = JSON.parse(await readFile(new URL('manifest.json', FACES), 'utf8')) as {
    files: { path: string; kind: string; width: number; faces_left_to_right?: { box_xywh: [number, number, number, number] }[] }[];
  };
  const groups = manifest.files.filter((f) => f.kind === 'group');
  const out: { bytes: Buffer; faces: PlacedFace[] }[] = [];
  for (let i = 0; i < n; i++) {
    const pair = [groups[i % groups.length]!, groups[(i + 1) % groups.length]!];
    const at = [
      { left: 700 + 300 * i, top: 900 },
      { left: 3600 - 200 * i, top: 2600 },
    ];
    // The dev group photos' faces are 134–156 px tall at 1366 px wide.
    const k = 80 / 145;
    const shrunk = await Promise.all(pair.map(async (g) => sharp(await readFile(new URL(g.path, FACES))).resize(Math.round(g.width * k)).toBuffer()));
    const faces = pair.flatMap((g, j) =>
      (g.faces_left_to_right ?? []).map(({ box_xywh: [x, y, w, h] }) => ({ x: at[j]!.left + x * k, y: at[j]!.top + y * k, width: w * k, height: h * k })),
    );
    const canvas =
      background === 'plain'
        ? sharp({ create: { width: 6000, height: 4000, channels: 3, background: { r: 96, g: 110, b: 92 } } })
        : sharp({ create: { width: 6000, height: 4000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 110, sigma: 30 } } });
    const bytes = await canvas
      .composite(shrunk.map((input, j) => ({ input, ...at[j]! })))
      .jpeg({ quality: 90 })
      .toBuffer();
    out.push({ bytes, faces });
  }
  return out;
}

/**
 * The crowd case: 6000 × 4000 photos covered edge to edge with the dev group
 * photos (a 4 × 4 grid of 1500 × 1000 pieces, each scaled to cover its cell
 * and centre-cropped), so texture is everywhere and about 70 real faces of
 * 100–400 px are in each, as in a photo of a crowd. Faces the crop cuts are
 * not counted.
 */
async function crowdPhotos(n: number): Promise<{ bytes: Buffer; faces: PlacedFace[] }[]> {
  const manifest = JSON.parse(await readFile(new URL('manifest.json', FACES), 'utf8')) as {
    files: { path: string; kind: string; width: number; height: number; faces_left_to_right?: { box_xywh: [number, number, number, number] }[] }[];
  };
  const groups = manifest.files.filter((f) => f.kind === 'group');
  const [cellW, cellH] = [1500, 1000];
  const out: { bytes: Buffer; faces: PlacedFace[] }[] = [];
  for (let i = 0; i < n; i++) {
    const pieces: OverlayOptions[] = [];
    const faces: PlacedFace[] = [];
    for (let cell = 0; cell < 16; cell++) {
      const g = groups[(cell + i * 3) % groups.length]!;
      const k = Math.max(cellW / g.width, cellH / g.height);
      const [w, h] = [Math.round(g.width * k), Math.round(g.height * k)];
      const [cropX, cropY] = [Math.floor((w - cellW) / 2), Math.floor((h - cellH) / 2)];
      const [left, top] = [(cell % 4) * cellW, Math.floor(cell / 4) * cellH];
      const input = await sharp(await readFile(new URL(g.path, FACES))).resize(w, h).extract({ left: cropX, top: cropY, width: cellW, height: cellH }).toBuffer();
      pieces.push({ input, left, top });
      for (const { box_xywh: [x, y, bw, bh] } of g.faces_left_to_right ?? []) {
        const box = { x: x * k - cropX, y: y * k - cropY, width: bw * k, height: bh * k };
        if (box.x >= 0 && box.y >= 0 && box.x + box.width <= cellW && box.y + box.height <= cellH) faces.push({ ...box, x: box.x + left, y: box.y + top });
      }
    }
    const bytes = await sharp({ create: { width: 6000, height: 4000, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .composite(pieces)
      .jpeg({ quality: 90 })
      .toBuffer();
    out.push({ bytes, faces });
  }
  return out;
}

/** How many of the placed faces a detection's centre falls in, and how many detections fall in none. */
function score(placed: PlacedFace[], width: number, height: number, found: { box: { left: number; top: number; width: number; height: number } }[]): { hit: number; hit60: number; extra: number } {
  const centres = found.map((f) => ({ x: (f.box.left + f.box.width / 2) * width, y: (f.box.top + f.box.height / 2) * height }));
  const inside = (c: { x: number; y: number }, p: PlacedFace) => c.x >= p.x && c.x <= p.x + p.width && c.y >= p.y && c.y <= p.y + p.height;
  const hits = placed.filter((p) => centres.some((c) => inside(c, p)));
  return { hit: hits.length, hit60: hits.filter((p) => p.height >= 60).length, extra: centres.filter((c) => !placed.some((p) => inside(c, p))).length };
}

/**
 * The plain face-api pass the engine is measured against: the photo decoded
 * and scaled to 1600 px by sharp, then face-api's own chain (SSD MobileNet v1,
 * 68 landmarks, descriptors) on one thread.
 */
async function plainFaceApiPass(bytes: Buffer, minConfidence: number): Promise<{ box: { left: number; top: number; width: number; height: number } }[]> {
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as typeof import('@vladmandic/face-api');
  const { data, info } = await sharp(bytes).rotate().resize(1600, 1600, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const tensor = tf.tensor3d(Int32Array.from(data), [info.height, info.width, 3], 'int32');
  try {
    const found = await faceapi.detectAllFaces(tensor as never, new faceapi.SsdMobilenetv1Options({ minConfidence })).withFaceLandmarks().withFaceDescriptors();
    return found.map(({ detection: { box } }) => ({ box: { left: box.x / info.width, top: box.y / info.height, width: box.width / info.width, height: box.height / info.height } }));
  } finally {
    tensor.dispose();
  }
}

async function main(): Promise<void> {
  const photos = await generatedPhotos(count, 1920);
  const logger = createLogger('warn');
  const base = await loadConfig({ envFile: '/nonexistent', env: { DATA_DIR: os.tmpdir() } });
  const f = base.faces;
  const options = { minConfidence: f.minConfidence, tileSize: f.tileSize, maxSide: f.maxSide, padIfNone: false };

  // 1. Naive: one model on the main thread, one photo after another.
  const model = await FaceModel.load();
  let t0 = performance.now();
  let naiveFaces = 0;
  for (const p of photos) naiveFaces += (await model.detect(p, options)).faces.length;
  const naiveSeconds = (performance.now() - t0) / 1000;

  // 2. The engine's pool: one model per worker thread.
  const engine = new LocalFaceEngine(
    { ...f, threads: f.threads },
    { eventVectors: async () => [], recentVectors: async () => [] },
    logger,
  );
  await engine.pool.warm();
  t0 = performance.now();
  const counts = await Promise.all(photos.map((p, i) => engine.indexPhotoFaces({ photoId: String(i), eventId: 'b', original: p, objectKey: '' })));
  const poolSeconds = (performance.now() - t0) / 1000;
  const poolFaces = counts.reduce((n, c) => n + c.length, 0);

  // 4. Wedding scale: the engine (both threads) against a plain face-api pass (one thread, 1600 px), same photos.
  const wedding = async (background: 'plain' | 'textured', n: number) => {
    const photos = await weddingScalePhotos(n, background);
    const placed = photos.reduce((sum, b) => sum + b.faces.length, 0);
    const placed60 = photos.reduce((sum, b) => sum + b.faces.filter((p) => p.height >= 60).length, 0);
    const plain = { hit: 0, hit60: 0, extra: 0 };
    let start = performance.now();
    for (const b of photos) {
      const s = score(b.faces, 6000, 4000, await plainFaceApiPass(b.bytes, f.minConfidence));
      plain.hit += s.hit;
      plain.hit60 += s.hit60;
      plain.extra += s.extra;
    }
    const plainSeconds = (performance.now() - start) / 1000;
    start = performance.now();
    const found = await Promise.all(photos.map((b) => engine.pool.detect(b.bytes, { minConfidence: f.minConfidence, tileSize: f.tileSize, maxSide: f.maxSide, padIfNone: true })));
    const engineSeconds = (performance.now() - start) / 1000;
    const ours = { hit: 0, hit60: 0, extra: 0, tiles: 0 };
    found.forEach((r, i) => {
      const s = score(photos[i]!.faces, r.width, r.height, r.faces);
      ours.hit += s.hit;
      ours.hit60 += s.hit60;
      ours.extra += s.extra;
      ours.tiles += r.tiles;
    });
    const heights = photos.flatMap((b) => b.faces.map((p) => Math.round(p.height)));
    return { n, photos, placed, placed60, heights: `${Math.min(...heights)}–${Math.max(...heights)}`, plain, plainSeconds, ours, engineSeconds };
  };
  const weddings = [await wedding('plain', bigCount), await wedding('textured', texturedCount)];
  await engine.close();
  // The same photos end to end: upload complete → DONE, renditions, database and matching included.
  const weddingsEndToEnd = [];
  for (const w of weddings) {
    if (w.n === 0) {
      weddingsEndToEnd.push(null);
      continue;
    }
    const run = await throughWorker(w.photos.map((b) => b.bytes));
    const found = { hit: 0, hit60: 0, extra: 0 };
    run.boxes.forEach((boxes, i) => {
      const s = score(w.photos[i]!.faces, 6000, 4000, boxes);
      found.hit += s.hit;
      found.hit60 += s.hit60;
      found.extra += s.extra;
    });
    weddingsEndToEnd.push({ seconds: run.seconds, found });
  }
  const [plainBg, textured] = weddings as [(typeof weddings)[number], (typeof weddings)[number]];

  // 3. The whole worker: queue → normalise → faces → match → DONE.
  const worker = await throughWorker(photos);
  const workerSeconds = worker.seconds;
  const workerStages = worker.stages;

  // 5. The crowd, end to end (upload complete → DONE) against the plain pass, in CPU per face too.
  const crowd = await crowdPhotos(crowdCount);
  const crowdPlaced = crowd.reduce((sum, c) => sum + c.faces.length, 0);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const crowdPlain = { hit: 0, hit60: 0, extra: 0, described: 0 };
  for (const c of crowd) {
    const found = await plainFaceApiPass(c.bytes, f.minConfidence);
    const sc = score(c.faces, 6000, 4000, found);
    crowdPlain.hit += sc.hit;
    crowdPlain.extra += sc.extra;
    crowdPlain.described += found.length;
  }
  const crowdPlainSeconds = (performance.now() - start) / 1000;
  const crowdPlainCpu = cpuSeconds(process.cpuUsage(cpu));
  const crowdWorker = await throughWorker(crowd.map((c) => c.bytes));
  const crowdOurs = { hit: 0, extra: 0 };
  crowdWorker.boxes.forEach((found, i) => {
    const sc = score(crowd[i]!.faces, 6000, 4000, found);
    crowdOurs.hit += sc.hit;
    crowdOurs.extra += sc.extra;
  });
  const crowdWorkerCpu = crowdWorker.cpuSeconds;
  const crowdDescribed = crowdWorker.boxes.reduce((n, b) => n + b.length, 0);

  const rate = (s: number) => (count / s).toFixed(2);
  const lines = [
    `machine: ${os.cpus().length} cores, node ${process.version}; ${count} photos at 1920 px; tile size ${f.tileSize}, ${f.threads} threads`,
    `baseline  naive single-threaded face-api loop: ${rate(naiveSeconds)} photos/s, ${(naiveFaces / naiveSeconds).toFixed(1)} faces/s (${naiveSeconds.toFixed(1)} s, ${naiveFaces} faces)`,
    `pool      worker threads, engine only:         ${rate(poolSeconds)} photos/s, ${(poolFaces / poolSeconds).toFixed(1)} faces/s  → ${(naiveSeconds / poolSeconds).toFixed(2)}× the baseline`,
    `worker    queue → normalise → faces → DONE:    ${rate(workerSeconds)} photos/s  → ${(naiveSeconds / workerSeconds).toFixed(2)}× the baseline`,
    `  per photo, ms (renditions and faces run at the same time): ${stageSummary(workerStages)}`,
    ...workerStages.slice(0, 5).map((st, i) => `    photo ${i + 1}: ${STAGES.map((k) => `${k} ${st[k] ?? '–'}`).join(', ')}`),
    ...(
      [
        ['24 MP plain background', plainBg, weddingsEndToEnd[0]],
        ['24 MP textured (worst case)', textured, weddingsEndToEnd[1]],
      ] as const
    ).flatMap(([name, r, e2e]) => {
      if (r.n === 0 || !e2e) return [];
      return [
        `${name}: ${r.n} photos 6000 × 4000, ${r.placed} faces ${r.heights} px tall (${r.placed60} of them 60 px or more)`,
        `  plain face-api pass (1 thread, 1600 px): ${(r.plainSeconds / r.n).toFixed(2)} s per photo, found ${r.plain.hit} of ${r.placed} faces, ${r.plain.hit60} of ${r.placed60} of 60 px or more (${r.plain.extra} other detections)`,
        `  FindMe engine (${f.threads} threads):          ${(r.engineSeconds / r.n).toFixed(2)} s per photo, found ${r.ours.hit} of ${r.placed} faces, ${r.ours.hit60} of ${r.placed60} of 60 px or more (${r.ours.extra} other detections), ${(r.ours.tiles / r.n).toFixed(1)} detector passes per photo, ${((60 * r.n) / r.engineSeconds).toFixed(1)} photos/min → ${(r.engineSeconds / r.plainSeconds).toFixed(2)}× the plain pass's time`,
        `  FindMe, upload complete → DONE:         ${(e2e.seconds / r.n).toFixed(2)} s per photo (${((60 * r.n) / e2e.seconds).toFixed(1)} photos/min), found ${e2e.found.hit} of ${r.placed} faces, ${e2e.found.hit60} of ${r.placed60} of 60 px or more (${e2e.found.extra} other detections) → ${(e2e.seconds / r.plainSeconds).toFixed(2)}× the plain pass's time (target 2×)`,
      ];
    }),
    `crowd (real photos edge to edge): ${crowd.length} photos 6000 × 4000, ${crowdPlaced} faces of ${crowdHeights(crowd)} px`,
    `  plain face-api pass (1 thread, 1600 px): ${(crowdPlainSeconds / crowd.length).toFixed(2)} s per photo, found ${crowdPlain.hit} of ${crowdPlaced} faces (${crowdPlain.extra} other detections), ${perFace(crowdPlainCpu, crowdPlain.described)} ms CPU per face described`,
    `  FindMe, upload complete → DONE:         ${(crowdWorker.seconds / crowd.length).toFixed(2)} s per photo (${((60 * crowd.length) / crowdWorker.seconds).toFixed(1)} photos/min, target 30), found ${crowdOurs.hit} of ${crowdPlaced} faces (${crowdOurs.extra} other detections), ${perFace(crowdWorkerCpu, crowdDescribed)} ms CPU per face described → ${(crowdWorker.seconds / crowdPlainSeconds).toFixed(2)}× the plain pass's time, ${(perFace(crowdWorkerCpu, crowdDescribed) / perFace(crowdPlainCpu, crowdPlain.described)).toFixed(2)}× its CPU per face (target 1.2×)`,
    `  per photo, ms: ${stageSummary(crowdWorker.stages)}`,
    `peak RSS  ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (main thread; the pool's threads share the process)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The photos through a whole worker (embedded PostgreSQL, local store, the local engine): upload complete → DONE. */
async function throughWorker(photos: Buffer[]): Promise<{ seconds: number; cpuSeconds: number; stages: Record<string, number>[]; boxes: { box: { left: number; top: number; width: number; height: number } }[][] }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'findme-bench-faces-'));
  await chmod(tmp, 0o755);
  const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg') });
  const stages: Record<string, number>[] = [];
  try {
    const config = await loadConfig({
      envFile: '/nonexistent',
      env: { DATABASE_URL: pg.url, DATA_DIR: path.join(tmp, 'data'), LOG_LEVEL: 'warn' },
    });
    // Each photo's "photo processed" line says where its time went: collected here.
    const logger = createLogger('info', {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; stages?: Record<string, number>; level?: number };
        if (entry.msg === 'photo processed' && entry.stages) stages.push(entry.stages);
        else if ((entry.level ?? 0) >= 40) process.stderr.write(line);
      },
    });
    const db = await openDatabase(config, logger);
    const app = new Application(config, logger, db);
    await app.prepare();
    const em = db.orm.em.fork();
    const services = app.services(em);
    const owner = (await services.accounts.register({ email: 'b@example.test', password: 'long enough password', displayName: 'B', role: 'PHOTOGRAPHER' as never }, 'bench')).user;
    const event = await services.events.createEvent(owner, { name: 'Bench', date: '2026-06-01' });
    const created = await services.photos.requestUploads(
      owner,
      event.id,
      photos.map((p, i) => ({ filename: `${i}.jpg`, contentType: 'image/jpeg', byteSize: p.length })),
      'bench',
    );
    await Promise.all(created.map(({ photo }, i) => app.store.put(photo.originalKey, photos[i]!, 'image/jpeg')));
    if (app.faces instanceof LocalFaceEngine) await app.faces.pool.warm();
    await app.startWorker();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await services.photos.completeUploads(owner, created.map((c) => c.photo.id));
    for (;;) {
      const rows = await em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from photos where event_id = ? and status in ('DONE','FAILED')`, [event.id]);
      if (rows[0]!.n === photos.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpuUsed = cpuSeconds(process.cpuUsage(cpu));
    const faces = await em.getConnection().execute<{ photo_id: string; box_left: number; box_top: number; box_width: number; box_height: number }[]>(
      `select photo_id, box_left, box_top, box_width, box_height from faces where photo_id = any(?::uuid[])`,
      [`{${created.map((c) => c.photo.id).join(',')}}`],
    );
    const boxes = created.map((c) => faces.filter((r) => r.photo_id === c.photo.id).map((r) => ({ box: { left: r.box_left, top: r.box_top, width: r.box_width, height: r.box_height } })));
    await app.close();
    return { seconds, cpuSeconds: cpuUsed, stages, boxes };
  } finally {
    await pg.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** CPU seconds (user and system, every thread of the process) from a process.cpuUsage() difference. */
function cpuSeconds(used: NodeJS.CpuUsage): number {
  return (used.user + used.system) / 1e6;
}

function perFace(cpu: number, faces: number): number {
  return faces === 0 ? Number.NaN : Math.round((cpu * 1000) / faces);
}

function crowdHeights(photos: { faces: PlacedFace[] }[]): string {
  const heights = photos.flatMap((p) => p.faces.map((f) => Math.round(f.height)));
  return `${Math.min(...heights)}–${Math.max(...heights)}`;
}

// decode, boxes and descriptors split faces (the engine's own stages); renditions run beside faces.
const STAGES = ['read', 'renditions', 'faces', 'decode', 'boxes', 'descriptors', 'database', 'matching'] as const;

/** Each stage's median and worst over the photos the worker processed. */
function stageSummary(stages: Record<string, number>[]): string {
  return STAGES.map((k) => {
    const values = stages.map((st) => st[k]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    return values.length === 0 ? `${k} –` : `${k} p50 ${values[Math.floor(values.length / 2)]} max ${values.at(-1)}`;
  }).join(', ');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
