/**
 * bench/faces: the local engine on 50 real photos (the dev group photos resized
 * to 1920 px): a naive single-threaded face-api loop, the worker-thread pool,
 * and the whole worker (upload → DONE with faces), in one run.
 *
 *   npm run bench:faces [-- --photos 50]
 */
import 'reflect-metadata';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FaceModel } from '../src/adapters/faces/local/face-model.js';
import { LocalFaceEngine } from '../src/adapters/faces/local/local.face-engine.js';
import { Application, openDatabase } from '../src/composition/application.js';
import { loadConfig } from '../src/config/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createLogger } from '../src/logger.js';
import { generatedPhotos } from '../test/support/images.js';

const flag = process.argv.indexOf('--photos');
const count = flag > 0 ? Number(process.argv[flag + 1]) : 50;

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
    `peak RSS  ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (main thread; the pool's threads share the process)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
