import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  CompletePhotoUploadsDocument,
  CompleteSelfieUploadDocument,
  CreateEventDocument,
  JoinEventDocument,
  PhotosDocument,
  RegisterDocument,
  RematchJobDocument,
  RequestPhotoUploadsDocument,
  RequestSelfieUploadDocument,
  SetPhotosVisibilityDocument,
  UpdateEventDocument,
} from './generated/graphql.js';
import { freePort } from '../src/db/embedded-postgres.js';
import { devGroupPhoto, generatedPhotos, identityPhoto } from './support/images.js';
import { gqlAt, ready } from './support/processes.js';
import { uploadTo } from './support/upload.js';
import { uniqueEmail } from './support/harness.js';

const bin = new URL('../../bin/findme.js', import.meta.url).pathname;

/**
 * A busy event day on one machine: two `findme serve` (as behind a proxy) and
 * two `findme worker`, separate processes on one PostgreSQL and one store.
 */
describe('two findme serve and two findme worker on one PostgreSQL', () => {
  const children: ChildProcess[] = [];
  const sockets: Client[] = [];
  let dataDir: string | undefined;
  after(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function start(command: 'serve' | 'worker', env: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, [bin, command], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
    return child;
  }

  /** A graphql-ws client on one server; signed in with `token`, anonymous without. */
  function socket(base: string, token: string): Client {
    const client = createClient({ url: `${base.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: token ? { authorization: `Bearer ${token}` } : {}, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    sockets.push(client);
    return client;
  }

  it("should deliver a worker's photo to a guest on one server and to the wall on the other, count both workers' pace, and lose nothing when a worker is killed mid-burst", async () => {
    const adminUrl = process.env['FINDME_TEST_ADMIN_URL'];
    assert.ok(adminUrl, 'run with npm test');
    const dbName = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'findme-multi-'));
    await chmod(dataDir, 0o755);
    const shared = {
      DATABASE_URL: adminUrl.replace(/\/[^/]*$/, `/${dbName}`),
      SECRET_KEY: randomBytes(32).toString('hex'),
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FACE_RECOGNIZER_PROVIDER: 'local',
      FACE_WORKER_THREADS: '1',
      PHOTO_WORKER_CONCURRENCY: '1',
      PHOTO_DISPLAY_MOZJPEG: 'false',
      PROGRESS_MIN_INTERVAL_MS: '100',
    };
    const [portA, portB] = [await freePort(), await freePort()];
    const [a, b] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    // The first server applies the migrations; then the others start.
    start('serve', { ...shared, PORT: String(portA), PHOTO_WORKER_ENABLED: 'false' });
    await ready(a);
    start('serve', { ...shared, PORT: String(portB), PHOTO_WORKER_ENABLED: 'false' });
    const workers = [start('worker', shared), start('worker', shared)];
    // (the burst below kills the one caught holding a photo)
    await ready(b);

    const owner = (await gqlAt(a, RegisterDocument, { input: { email: uniqueEmail('ph'), password: 'long enough password', displayName: 'Studio', role: 'PHOTOGRAPHER' } })).register.token;
    const event = (await gqlAt(a, CreateEventDocument, { input: { name: 'Gala', date: '2026-06-01' } }, owner)).createEvent;
    const guest = (await gqlAt(b, RegisterDocument, { input: { email: uniqueEmail('raj'), password: 'long enough password', displayName: 'Raj', role: 'PARTICIPANT' } })).register.token;
    await gqlAt(b, JoinEventDocument, { code: event.code, consent: true }, guest);
    const selfie = await identityPhoto('raj', 5);
    const target = (await gqlAt(b, RequestSelfieUploadDocument, { input: { filename: 'me.png', contentType: 'image/png', byteSize: selfie.length } }, guest)).requestSelfieUpload;
    assert.equal((await uploadTo(target.upload, selfie, 'image/png')).status, 200);
    const job = (await gqlAt(b, CompleteSelfieUploadDocument, { id: target.id }, guest)).completeSelfieUpload;
    for (let i = 0; i < 300; i++) {
      const state = (await gqlAt(a, RematchJobDocument, { id: job.id }, guest)).rematchJob;
      if (state?.status === 'DONE') break;
      assert.notEqual(state?.status, 'FAILED');
      await new Promise((r) => setTimeout(r, 200));
    }

    // The guest's socket is on server B; the photographer uploads through server A; a worker processes it.
    const pushed: string[] = [];
    socket(b, guest).subscribe(
      { query: `subscription { myNewPhotos(eventId: "${event.id}") { originalFilename } }` },
      { next: (r) => void pushed.push((r.data as { myNewPhotos: { originalFilename: string } }).myNewPhotos.originalFilename), error: () => undefined, complete: () => undefined },
    );
    const progress: { ahead: number; etaSeconds: number | null }[] = [];
    socket(b, owner).subscribe(
      { query: `subscription { eventProgress(eventId: "${event.id}") { ahead etaSeconds } }` },
      { next: (r) => void progress.push((r.data as { eventProgress: { ahead: number; etaSeconds: number | null } }).eventProgress), error: () => undefined, complete: () => undefined },
    );
    // The venue's wall is open on server A (no sign-in: its link's token).
    const wallUrl = (await gqlAt(a, UpdateEventDocument, { id: event.id, input: { settings: { wall: true } } }, owner)).updateEvent.wallUrl!;
    const onWall: string[] = [];
    socket(a, '').subscribe(
      { query: 'subscription($t: String!) { wallPhotoAdded(token: $t) { originalFilename } }', variables: { t: wallUrl.replace(/^.*\/wall\//, '') } },
      { next: (r) => void onWall.push((r.data as { wallPhotoAdded: { originalFilename: string } }).wallPhotoAdded.originalFilename), error: () => undefined, complete: () => undefined },
    );
    await new Promise((r) => setTimeout(r, 500));
    const send = async (files: { name: string; bytes: Buffer }[], options: { shown?: boolean } = {}) => {
      const targets = (await gqlAt(a, RequestPhotoUploadsDocument, { eventId: event.id, files: files.map((f) => ({ filename: f.name, contentType: 'image/jpeg', byteSize: f.bytes.length })) }, owner)).requestPhotoUploads;
      // Shown to everyone from the start: the wall takes it as soon as it is processed.
      if (options.shown) await gqlAt(b, SetPhotosVisibilityDocument, { ids: targets.map((t) => t.photo.id), showInGeneral: true }, owner);
      await Promise.all(targets.map((t, i) => uploadTo(t.upload, files[i]!.bytes, 'image/jpeg')));
      await gqlAt(a, CompletePhotoUploadsDocument, { photoIds: targets.map((t) => t.photo.id) }, owner);
    };
    await send([{ name: 'bbt3.jpg', bytes: await devGroupPhoto(3) }], { shown: true });
    for (let i = 0; i < 600 && !(pushed.includes('bbt3.jpg') && onWall.includes('bbt3.jpg')); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pushed, ['bbt3.jpg'], 'the guest on server B got the photo sent through server A');
    assert.deepEqual(onWall, ['bbt3.jpg'], 'the wall on server A shows the photo a worker processed');

    // A burst; one worker is killed while it holds a photo.
    const burst = (await generatedPhotos(10, 1600)).map((bytes, i) => ({ name: `burst-${i}.jpg`, bytes }));
    await send(burst);
    const statuses = async () => (await gqlAt(a, PhotosDocument, { eventId: event.id, first: 50 }, owner)).photos.edges.map((e) => e.node.status);
    // The worker holding a photo (its id names its process: host:pid:…).
    const db = new pg.Client({ connectionString: shared.DATABASE_URL });
    await db.connect();
    // Both workers finish a photo of the burst first: the pace etaSeconds divides by is theirs together.
    const finishers = async () =>
      (await db.query<{ n: number }>(`select count(distinct split_part(worker_id, ':', 2))::int as n from photos where status = 'DONE' and original_filename like 'burst-%'`)).rows[0]!.n;
    for (let i = 0; i < 1200 && (await finishers()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await finishers(), 2, 'both workers processed photos of the burst');
    let holder: ChildProcess | undefined;
    for (let i = 0; i < 600 && !holder; i++) {
      const { rows } = await db.query<{ worker_id: string | null }>(`select worker_id from photos where status = 'PROCESSING' and worker_id is not null`);
      holder = workers.find((w) => rows.some((r) => r.worker_id?.split(':')[1] === String(w.pid)));
      if (!holder) await new Promise((r) => setTimeout(r, 50));
    }
    await db.end();
    assert.ok(holder, 'a worker was caught processing a photo');
    const progressAtKill = [...progress];
    holder.kill('SIGKILL');
    const deadline = Date.now() + 120_000;
    let last = await statuses();
    while (last.some((s) => s !== 'DONE') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      last = await statuses();
    }
    assert.equal(last.length, 11);
    assert.deepEqual(last.filter((s) => s !== 'DONE'), [], 'every photo of the burst is DONE after the kill');
    // While the burst waited, the photographer saw how many were ahead and about how long, at both workers' pace
    // (before the kill, when both had finished photos: the estimate then counted both).
    assert.ok(progressAtKill.some((p) => p.ahead > 0 && p.etaSeconds !== null && p.etaSeconds > 0), JSON.stringify(progressAtKill.slice(-5)));
  });
});
