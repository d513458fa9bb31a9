/**
 * bench/ingest: 200 photos (the dev photos resized to 1920 px) through the whole
 * pipeline (GraphQL request → signed upload → complete → queue → worker → DONE),
 * faces disabled, against the sharp stage alone measured in the same run.
 *
 *   npm run bench:ingest [-- --photos 200]        (PHOTO_DISPLAY_MOZJPEG=false for the fast encoder)
 */
import 'reflect-metadata';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import sharp from 'sharp';
import { Application, openDatabase } from '../src/composition/application.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logger.js';
import { normalizeImage } from '../src/adapters/image/image-normalizer.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import {
  CompletePhotoUploadsDocument,
  CreateEventDocument,
  RegisterDocument,
  RequestPhotoUploadsDocument,
} from '../test/generated/graphql.js';
import { generatedPhotos } from '../test/support/images.js';
import { uploadTo } from '../test/support/upload.js';

const flag = process.argv.indexOf('--photos');
const count = flag > 0 ? Number(process.argv[flag + 1]) : 200;

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'findme-bench-'));
  await chmod(tmp, 0o755);
  const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg') });
  const logger = createLogger('warn');
  try {
    process.stdout.write(`generating ${count} photos at 1920 px…\n`);
    const photos = await generatedPhotos(count, 1920);
    const mb = photos.reduce((n, p) => n + p.length, 0) / 1048576;

    // Baseline: the sharp stage alone, one photo after another, in this process.
    const mozjpeg = process.env['PHOTO_DISPLAY_MOZJPEG'] !== 'false';
    const t0 = performance.now();
    for (const bytes of photos) await normalizeImage(bytes, { maxPixels: 100_000_000, mozjpeg, displayLongSide: 2048, thumbnailLongSide: 400 });
    const sharpSeconds = (performance.now() - t0) / 1000;

    const config = await loadConfig({
      envFile: '/nonexistent',
      env: { FACE_RECOGNIZER_PROVIDER: 'none', PHOTO_DISPLAY_MOZJPEG: String(mozjpeg), DATABASE_URL: pg.url, DATA_DIR: path.join(tmp, 'data'), HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', PROGRESS_MIN_INTERVAL_MS: '250' },
    });
    const db = await openDatabase(config, logger);
    const app = new Application(config, logger, db);
    await app.prepare();
    const http = await app.listen(0, '127.0.0.1');
    await app.startWorker();
    const url = `${http.url}/graphql`;
    const gql = async (doc: Parameters<typeof print>[0], variables: object, token?: string) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: print(doc), variables }),
      });
      const body = (await res.json()) as { data: never; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data as unknown;
    };
    const token = ((await gql(RegisterDocument, { input: { email: 'bench@example.test', password: 'long enough password', displayName: 'B', role: 'PHOTOGRAPHER' } })) as {
      register: { token: string };
    }).register.token;
    const eventId = ((await gql(CreateEventDocument, { input: { name: 'Bench', date: '2026-06-01' } }, token)) as { createEvent: { id: string } }).createEvent.id;

    const started = performance.now();
    const targets = ((await gql(
      RequestPhotoUploadsDocument,
      { eventId, files: photos.map((p, i) => ({ filename: `IMG_${i}.jpg`, contentType: 'image/jpeg', byteSize: p.length })) },
      token,
    )) as { requestPhotoUploads: { photo: { id: string }; upload: Parameters<typeof uploadTo>[0] }[] }).requestPhotoUploads;
    // Upload in parallel (8 at a time) and complete in chunks, as the CLI does.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < targets.length) {
          const i = next++;
          await uploadTo(targets[i]!.upload, photos[i]!, 'image/jpeg');
          await gql(CompletePhotoUploadsDocument, { photoIds: [targets[i]!.photo.id] }, token);
        }
      }),
    );
    const em = db.orm.em.fork();
    for (;;) {
      const rows = await em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from photos where event_id = ? and status in ('DONE','FAILED')`, [eventId]);
      if (rows[0]!.n === count) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const pipelineSeconds = (performance.now() - started) / 1000;
    const failed = await em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from photos where event_id = ? and status = 'FAILED'`, [eventId]);
    await app.close();

    const rssMb = process.resourceUsage().maxRSS / 1024;
    const sharpRate = count / sharpSeconds;
    const pipelineRate = count / pipelineSeconds;
    const lines = [
      `machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
      `photos: ${count} JPEGs, 1920 px long side, ${mb.toFixed(1)} MB in all; faces disabled; worker concurrency ${config.worker.concurrency}; display encoder ${mozjpeg ? 'mozjpeg' : 'libjpeg-turbo'}`,
      `baseline  sharp stage alone, serial:           ${sharpRate.toFixed(1)} photos/s (${sharpSeconds.toFixed(1)} s)`,
      `pipeline  request → upload → queue → DONE:     ${pipelineRate.toFixed(1)} photos/s (${pipelineSeconds.toFixed(1)} s), ${failed[0]!.n} failed`,
      `ratio     pipeline / serial sharp stage:       ${(pipelineRate / sharpRate).toFixed(2)}×`,
      `peak RSS  (API + worker + bench, one process): ${rssMb.toFixed(0)} MB`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await pg.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
