/**
 * bench/faces: the local engine on 50 real photos (the dev group photos resized
 * to 1920 px): a naive single-threaded face-api loop, the worker-thread pool,
 * and the whole worker (upload → DONE with faces), in one run. Then wedding
 * scale: 24-megapixel photos (6000 × 4000) holding dev group photos shrunk so
 * faces are 70–90 px tall, through the engine (both threads, tiled) against a
 * plain face-api pass (one thread, downscaled to 1600 px) on the same photos.
 *
 *   npm run bench:faces [-- --photos 50 --big 4]
 */
import 'reflect-metadata';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FaceModel } from '../src/adapters/faces/local/face-model.js';
import { LocalFaceEngine } from '../src/adapters/faces/local/local.face-engine.js';
import { Application, openDatabase } from '../src/composition/application.js';
import { loadConfig } from '../src/config/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createLogger } from '../src/logger.js';
import sharp from 'sharp';
import { FACES, generatedPhotos, groupLabels } from '../test/support/images.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg('--photos', 50);
const bigCount = arg('--big', 4);

/** 6000 × 4000 photos, each holding two dev group photos shrunk so their faces are 70–90 px tall; with the faces they hold. */
async function weddingScalePhotos(n: number): Promise<{ bytes: Buffer; faces: number }[]> {
  const labels = await groupLabels();
  const out: { bytes: Buffer; faces: number }[] = [];
  for (let i = 0; i < n; i++) {
    const pair = [labels[i % labels.length]!, labels[(i + 1) % labels.length]!];
    // The dev group photos' faces are 134–156 px tall at 1366 px wide.
    const shrunk = await Promise.all(pair.map(async (g) => sharp(await readFile(new URL(g.path, FACES))).resize(Math.round(1366 * (80 / 145))).toBuffer()));
    const bytes = await sharp({ create: { width: 6000, height: 4000, channels: 3, background: { r: 96, g: 110, b: 92 } } })
      .composite([
        { input: shrunk[0]!, left: 700 + 300 * i, top: 900 },
        { input: shrunk[1]!, left: 3600 - 200 * i, top: 2600 },
      ])
      .jpeg({ quality: 90 })
      .toBuffer();
    out.push({ bytes, faces: pair.reduce((sum, g) => sum + g.identities.length, 0) });
  }
  return out;
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

  // 4. Wedding scale: the engine (both threads, tiled) against a plain face-api pass (one thread, 1600 px).
  const big = await weddingScalePhotos(bigCount);
  const labelled = big.reduce((sum, b) => sum + b.faces, 0);
  t0 = performance.now();
  let plainFaces = 0;
  for (const b of big) plainFaces += (await model.detect(b.bytes, { minConfidence: f.minConfidence, tileSize: 0, maxSide: 1600, padIfNone: false })).faces.length;
  const plainSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const bigFound = await Promise.all(big.map((b, i) => engine.indexPhotoFaces({ photoId: `big-${i}`, eventId: 'big', original: b.bytes, objectKey: '' })));
  const engineBigSeconds = (performance.now() - t0) / 1000;
  const engineBigFaces = bigFound.reduce((n, c) => n + c.length, 0);
  await engine.close();

  // 3. The whole worker: queue → normalise → faces → match → DONE.
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'findme-bench-faces-'));
  await chmod(tmp, 0o755);
  const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg') });
  let workerSeconds = 0;
  try {
    const config = await loadConfig({
      envFile: '/nonexistent',
      env: { DATABASE_URL: pg.url, DATA_DIR: path.join(tmp, 'data'), LOG_LEVEL: 'warn', PHOTO_DISPLAY_MOZJPEG: 'false' },
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
    t0 = performance.now();
    await services.photos.completeUploads(owner, created.map((c) => c.photo.id));
    for (;;) {
      const rows = await em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from photos where event_id = ? and status in ('DONE','FAILED')`, [event.id]);
      if (rows[0]!.n === count) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    workerSeconds = (performance.now() - t0) / 1000;
    await app.close();
  } finally {
    await pg.stop();
    await rm(tmp, { recursive: true, force: true });
  }

  const rate = (s: number) => (count / s).toFixed(2);
  const lines = [
    `machine: ${os.cpus().length} cores, node ${process.version}; ${count} photos at 1920 px; tile size ${f.tileSize}, ${f.threads} threads`,
    `baseline  naive single-threaded face-api loop: ${rate(naiveSeconds)} photos/s, ${(naiveFaces / naiveSeconds).toFixed(1)} faces/s (${naiveSeconds.toFixed(1)} s, ${naiveFaces} faces)`,
    `pool      worker threads, engine only:         ${rate(poolSeconds)} photos/s, ${(poolFaces / poolSeconds).toFixed(1)} faces/s  → ${(naiveSeconds / poolSeconds).toFixed(2)}× the baseline`,
    `worker    queue → normalise → faces → DONE:    ${rate(workerSeconds)} photos/s  → ${(naiveSeconds / workerSeconds).toFixed(2)}× the baseline`,
    `24 MP     plain face-api pass (1 thread, 1600 px): ${(plainSeconds / bigCount).toFixed(1)} s per photo, ${plainFaces} of ${labelled} labelled faces (70–90 px)`,
    `24 MP     FindMe engine (${f.threads} threads, tiled):      ${(engineBigSeconds / bigCount).toFixed(1)} s per photo, ${engineBigFaces} of ${labelled} faces, ${((60 * bigCount) / engineBigSeconds).toFixed(1)} photos/min  → ${(engineBigSeconds / plainSeconds).toFixed(2)}× the plain pass's time (target ≤ 2)`,
    `peak RSS  ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (main thread; the pool's threads share the process)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
