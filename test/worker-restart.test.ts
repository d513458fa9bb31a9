import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CompletePhotoUploadsDocument,
  PhotoStatusChangedDocument,
  RequestPhotoUploadsDocument,
  type PhotoStatusChangedSubscription,
} from './generated/graphql.js';
import { freePort } from '../src/db/embedded-postgres.js';
import { newEvent } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';
import { joinEnv } from './support/processes.js';
import { collect } from './support/live.js';
import { uploadTo } from './support/upload.js';

const bin = new URL('../../bin/findme.js', import.meta.url).pathname;
const QUEUE_ENV = { FACE_RECOGNIZER_PROVIDER: 'none', PHOTO_JOB_TIMEOUT_SECONDS: '5', QUEUE_MAINTENANCE_INTERVAL_SECONDS: '1', PHOTO_JOB_RETRY_DELAY_SECONDS: '1' };

describe('findme worker / findme serve killed mid-batch (SIGKILL)', () => {
  let server: TestServer;
  const workers: ChildProcess[] = [];

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, env: { ...QUEUE_ENV, PHOTO_WORKER_ENABLED: 'false' } });
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await server.close();
  });

  /** `findme worker`, or `findme serve` with its in-process worker on a fixed port. */
  function startWorker(command: 'worker' | 'serve', port = 0, metricsPort?: number): ChildProcess {
    const child = spawn(process.execPath, [bin, command], {
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        ...(metricsPort ? { METRICS_PORT: String(metricsPort) } : {}),
        ...joinEnv(server),
        LOG_LEVEL: 'warn',
        PHOTO_WORKER_CONCURRENCY: '2',
        ...QUEUE_ENV,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    workers.push(child);
    return child;
  }

  for (const command of ['worker', 'serve'] as const) {
    it(`findme ${command}: should lose nothing and duplicate nothing; every photo ends DONE exactly once`, async () => {
      const port = command === 'serve' ? await freePort() : 0;
      const { owner, eventId } = await newEvent(server, 'Restart');
      const photos = await generatedPhotos(30, 1600);
      const ws = server.ws({ authorization: `Bearer ${owner}` });
      const events = collect<PhotoStatusChangedSubscription, { eventId: string }>(ws, PhotoStatusChangedDocument, { eventId });
      await new Promise((r) => setTimeout(r, 100));

      const targets = (
        await server.gql(
          RequestPhotoUploadsDocument,
          { eventId, files: photos.map((p, i) => ({ filename: `IMG_${1000 + i}.jpg`, contentType: 'image/jpeg', byteSize: p.length })) },
          { token: owner },
        )
      ).data!.requestPhotoUploads;
      await Promise.all(targets.map((t, i) => uploadTo(t.upload, photos[i]!, 'image/jpeg')));
      await server.gql(CompletePhotoUploadsDocument, { photoIds: targets.map((t) => t.photo.id) }, { token: owner });

      const doneIds = () => events.values.filter((e) => e.photoStatusChanged.status === 'DONE').map((e) => e.photoStatusChanged.photo.id);
      const first = startWorker(command, port);
      await events.until(() => doneIds().length >= 5, 60_000);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const doneAtKill = doneIds().length;
      assert.ok(doneAtKill < 30, `killed mid-batch (${doneAtKill} done)`);

      const metricsPort = command === 'worker' ? await freePort() : undefined;
      const second = startWorker(command, port, metricsPort);
      await events.until(() => new Set(doneIds()).size === 30, 90_000);
      if (command === 'serve') assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'the API is back too');
      if (metricsPort) {
        // A separate worker serves its own series.
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        const done = Number(/^findme_photos_processed_total\{outcome="done"\} (\d+)/m.exec(metrics)?.[1]);
        assert.ok(done >= 30 - doneAtKill && done <= 30, `the second worker processed ${done} photos`);
      }
      await new Promise((r) => setTimeout(r, 1500)); // let any straggling duplicate show itself
      const exited = new Promise<number | null>((r) => second.once('exit', (code) => r(code)));
      second.kill('SIGTERM');
      assert.equal(await exited, 0, `findme ${command} stops cleanly on SIGTERM`);

      const perPhoto = new Map<string, number>();
      for (const id of doneIds()) perPhoto.set(id, (perPhoto.get(id) ?? 0) + 1);
      assert.equal(perPhoto.size, 30);
      assert.deepEqual([...new Set(perPhoto.values())], [1], 'each photo reached DONE exactly once');

      const rows = await server.sql<{ status: string; n: number }>('select status, count(*)::int as n from photos where event_id = ? group by status', [eventId]);
      assert.deepEqual(rows, [{ status: 'DONE', n: 30 }]);
      const jobs = await server.sql<{ state: string; n: number }>(
        `select state, count(*)::int as n from pgboss.job where name = 'photo-process' and data->>'photoId' in (select id::text from photos where event_id = ?) group by state`,
        [eventId],
      );
      assert.ok(jobs.every((j) => j.state === 'completed'), JSON.stringify(jobs));
      for (const t of targets) {
        const dir = path.join(server.dataDir, 'objects', 'events', eventId, 'photos', t.photo.id);
        assert.ok(existsSync(path.join(dir, 'display.jpg')) && existsSync(path.join(dir, 'thumb.webp')), `derived files of ${t.photo.id}`);
      }
      events.dispose();
    });
  }
});

