import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CompletePhotoUploadsDocument, CreateEventDocument, PhotosDocument, RegisterDocument, RequestPhotoUploadsDocument } from './generated/graphql.js';
import { freePort } from '../src/db/embedded-postgres.js';
import { generatedPhotos } from './support/images.js';
import { gqlAt, ready } from './support/processes.js';
import { uploadTo } from './support/upload.js';

const bin = new URL('../../bin/findme.js', import.meta.url).pathname;

/**
 * `findme serve` with nothing configured (embedded PostgreSQL, local storage,
 * default job timeouts), killed with its whole process group, database
 * included, in the middle of a batch.
 */
describe('findme serve killed with its database (SIGKILL of the process group), default timeouts', () => {
  const children: ChildProcess[] = [];
  let dataDir: string;
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.pid) killGroup(c);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function killGroup(child: ChildProcess): void {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  function serve(port: number): ChildProcess {
    const child = spawn(process.execPath, [bin, 'serve'], {
      env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', FACE_RECOGNIZER_PROVIDER: 'none', PHOTO_WORKER_CONCURRENCY: '2' },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    });
    children.push(child);
    return child;
  }

  it('should run the photos that were in flight again within a minute of the crash, each ending DONE', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'findme-crash-'));
    await chmod(dataDir, 0o755);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = serve(port);
    await ready(base);

    const password = (await readFile(path.join(dataDir, 'pg-password'), 'utf8')).trim();
    assert.ok(password.length >= 24 && password !== 'findme-embedded', 'the embedded cluster has a generated password');
    assert.equal((await stat(path.join(dataDir, 'pg-password'))).mode & 0o777, 0o600);

    const token = (await gqlAt(base, RegisterDocument, { input: { email: 'ph@example.test', password: 'long enough password', displayName: 'P', role: 'PHOTOGRAPHER' } })).register.token;
    const eventId = (await gqlAt(base, CreateEventDocument, { input: { name: 'Crash', date: '2026-06-01' } }, token)).createEvent.id;
    const photos = await generatedPhotos(40, 2400);
    const targets = (
      await gqlAt(base, RequestPhotoUploadsDocument, { eventId, files: photos.map((p, i) => ({ filename: `IMG_${i}.jpg`, contentType: 'image/jpeg', byteSize: p.length })) }, token)
    ).requestPhotoUploads;
    await Promise.all(targets.map((t, i) => uploadTo(t.upload, photos[i]!, 'image/jpeg')));
    await gqlAt(base, CompletePhotoUploadsDocument, { photoIds: targets.map((t) => t.photo.id) }, token);

    const statuses = async () => {
      const page = await gqlAt(base, PhotosDocument, { eventId, first: 100 }, token);
      return new Map(page.photos.edges.map((e) => [e.node.id, e.node.status]));
    };
    let inFlight: string[] = [];
    for (;;) {
      const now = await statuses();
      const done = [...now.values()].filter((s) => s === 'DONE').length;
      inFlight = [...now].filter(([, s]) => s === 'PROCESSING').map(([id]) => id);
      if (done >= 8 && inFlight.length > 0) break;
      assert.ok(done < 40, 'the batch finished before it could be interrupted');
      await new Promise((r) => setTimeout(r, 50));
    }
    killGroup(first);
    await new Promise((r) => first.once('exit', r));
    const killedAt = Date.now();

    serve(port);
    await ready(base);
    const deadline = killedAt + 60_000 + 30_000;
    let last = await statuses();
    while ([...last.values()].some((s) => s !== 'DONE') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      last = await statuses();
    }
    const stuck = [...last].filter(([, s]) => s !== 'DONE');
    assert.deepEqual(stuck, [], `photos not DONE ${((Date.now() - killedAt) / 1000).toFixed(0)} s after the crash (${inFlight.length} were in flight)`);
  });
});
