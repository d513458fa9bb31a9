import http from 'node:http';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { plainHasher, startTestServer, TestClock, uniqueEmail, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';
import { RegisterDocument, CreateEventDocument, RequestPhotoUploadsDocument } from './generated/graphql.js';
import { uploadTo } from './support/upload.js';

const bin = new URL('../../bin/findme.js', import.meta.url).pathname;

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

describe('findme login / findme upload (real server, public API)', () => {
  let server: TestServer;
  let configDir: string;
  let folder: string;
  let email: string;
  let code: string;
  let eventId: string;

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, env: { PHOTO_DISPLAY_MOZJPEG: 'false' } });
    configDir = await mkdtemp(path.join(os.tmpdir(), 'findme-cli-config-'));
    folder = await mkdtemp(path.join(os.tmpdir(), 'findme-cli-photos-'));
    email = uniqueEmail('studio');
    const token = (await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName: 'Studio', role: 'PHOTOGRAPHER' } })).data!.register.token;
    const event = (await server.gql(CreateEventDocument, { input: { name: 'Wedding', date: '2026-06-01' } }, { token })).data!.createEvent;
    ({ code, id: eventId } = event);
    const photos = await generatedPhotos(12, 900);
    for (const [i, bytes] of photos.entries()) await writeFile(path.join(folder, `IMG_${String(i).padStart(4, '0')}.jpg`), bytes);
    await writeFile(path.join(folder, 'broken.jpg'), photos[0]!.subarray(0, 4000));
    await writeFile(path.join(folder, 'notes.txt'), 'not a photo');
  });
  after(async () => {
    await server.close();
    await rm(configDir, { recursive: true, force: true });
    await rm(folder, { recursive: true, force: true });
  });

  /** The session `findme login` saved for the test server. */
  async function savedToken(): Promise<string> {
    const saved = JSON.parse(await readFile(path.join(configDir, 'credentials.json'), 'utf8')) as { servers: Record<string, { token: string }> };
    return saved.servers[server.baseUrl]!.token;
  }

  function findme(args: string[], stdin?: string, env: Record<string, string> = {}): Run {
    let output = '';
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env['PATH'] ?? '', FINDME_CONFIG_DIR: configDir, ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    return { child, output: () => output, exit: new Promise((r) => child.once('exit', (c) => r(c))) };
  }

  const photosInEvent = async () => (await server.sql<{ n: number }>('select count(*)::int as n from photos where event_id = ?', [eventId]))[0]!.n;

  it('should refuse to upload before login, with one clear line and a non-zero exit', async () => {
    const run = findme(['upload', folder, '--event', code]);
    assert.equal(await run.exit, 1);
    assert.equal(run.output().trim(), 'findme: Not signed in: run findme login --server <url> first.');
  });

  it('should log in and keep the token in the config directory with 0600 permissions', async () => {
    const wrong = findme(['login', '--server', server.baseUrl, '--email', email, '--password-stdin'], 'wrong password!!\n');
    assert.equal(await wrong.exit, 1);
    assert.match(wrong.output(), /^findme: Wrong email or password\.$/m);
    const run = findme(['login', '--server', server.baseUrl, '--email', email, '--password-stdin'], 'long enough password\n');
    assert.equal(await run.exit, 0, run.output());
    assert.match(run.output(), /Signed in as Studio \(PHOTOGRAPHER\)/);
    const file = path.join(configDir, 'credentials.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { defaultServer: string; servers: Record<string, { token: string }> };
    assert.equal(saved.defaultServer, server.baseUrl);
    assert.ok(saved.servers[server.baseUrl]!.token.split('.').length === 3);
  });

  it('should never send the saved token to another server, and refuse a password on the command line', async () => {
    // A server that records what it is sent.
    const seen: (string | undefined)[] = [];
    const other = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":null}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://127.0.0.1:${(other.address() as import('node:net').AddressInfo).port}`;
    try {
      const run = findme(['upload', folder, '--event', code, '--server', otherUrl]);
      assert.equal(await run.exit, 1);
      assert.equal(run.output().trim(), `findme: Not signed in to ${otherUrl}: run findme login --server ${otherUrl} first.`);
      assert.deepEqual(seen, [], 'nothing, and no token, was sent to the other server');
    } finally {
      other.close();
    }
    const argv = findme(['login', '--server', server.baseUrl, '--email', email, '--password', 'long enough password']);
    assert.equal(await argv.exit, 1);
    assert.match(argv.output(), /unknown option '--password'/);
  });

  it('should upload a folder, survive an interruption, resume without duplicates and report every outcome', async () => {
    // Interrupted after a few files: one at a time, killed once three photos exist.
    const first = findme(['upload', folder, '--event', code, '--concurrency', '1', '--batch', '4']);
    for (let i = 0; i < 400 && (await photosInEvent()) < 3; i++) await new Promise((r) => setTimeout(r, 25));
    first.child.kill('SIGKILL');
    await first.exit;
    const afterKill = await server.sql<{ status: string }>('select status from photos where event_id = ?', [eventId]);
    assert.ok(afterKill.length >= 3 && afterKill.length < 13, `interrupted mid-way (${afterKill.length} photos)`);

    const second = findme(['upload', folder, '--event', code]);
    const exit = await second.exit;
    const output = second.output();
    assert.equal(exit, 2, `one photo failed, so the exit code says so:\n${output}`);
    assert.match(output, /13 photo\(s\) in /, 'the text file is not a photo');
    assert.match(output, /Uploading\s+\d+\/\d+ \[#+\] 100%/);
    assert.match(output, /Processing\s+\d+\/\d+ \[#+\] 100%/);
    assert.match(output, /Done: 12, failed: 1/);
    assert.match(output, /FAILED broken\.jpg: The file is not a readable image/);
    assert.match(output, /findme: 1 photo\(s\) failed processing/);

    const rows = await server.sql<{ n: number; hashes: number; files: number }>(
      `select count(*)::int as n, count(distinct content_sha256)::int as hashes, count(distinct original_filename)::int as files from photos where event_id = ?`,
      [eventId],
    );
    assert.deepEqual(rows[0], { n: 13, hashes: 13, files: 13 }, 'every file once, none twice');
    const statuses = await server.sql<{ status: string; n: number }>('select status, count(*)::int as n from photos where event_id = ? group by status order by status', [eventId]);
    assert.deepEqual(statuses, [
      { status: 'DONE', n: 12 },
      { status: 'FAILED', n: 1 },
    ]);

    // A third run has nothing to do.
    const third = findme(['upload', folder, '--event', code]);
    assert.equal(await third.exit, 0, third.output());
    assert.match(third.output(), /13 already in the event \(same content\): skipped/);
    assert.equal(await photosInEvent(), 13);
  });

  it('should refuse a duplicate through the API with CONFLICT naming the existing photo', async () => {
    const token = await savedToken();
    const [photo] = await server.sql<{ id: string; content_sha256: string; original_filename: string; byte_size: number }>(
      `select id, content_sha256, original_filename, byte_size from photos where event_id = ? and status = 'DONE' limit 1`,
      [eventId],
    );
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: 'mutation($e: ID!, $f: [UploadFileInput!]!) { requestPhotoUploads(eventId: $e, files: $f) { photo { id } } }',
        variables: { e: eventId, f: [{ filename: 'copy.jpg', contentType: 'image/jpeg', byteSize: photo!.byte_size, sha256: photo!.content_sha256 }] },
      }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    assert.equal(body.errors[0]!.extensions['code'], 'CONFLICT');
    assert.equal(body.errors[0]!.extensions['photoId'], photo!.id);
    assert.match(body.errors[0]!.message, new RegExp(`already in this event as ${photo!.original_filename.replace('.', '\\.')}`));
  });

  it('should exit with one clear line for an unknown event or an unreachable server', async () => {
    const unknown = findme(['upload', folder, '--event', 'NOPE-NOPE']);
    assert.equal(await unknown.exit, 1);
    assert.equal(unknown.output().trim(), 'findme: You have no event with the code NOPE-NOPE.');
    const down = findme(['upload', folder, '--event', code, '--server', 'http://127.0.0.1:9'], undefined, { FINDME_TOKEN: await savedToken() });
    assert.equal(await down.exit, 1);
    assert.match(down.output().trim(), /^findme: Cannot reach http:\/\/127\.0\.0\.1:9\/graphql: .+\.$/);
  });

  it('should finish a file whose upload was sent but never completed (the link accepts one upload)', async () => {
    const token = await savedToken();
    const other = (await server.gql(CreateEventDocument, { input: { name: 'Half done', date: '2026-06-02' } }, { token })).data!.createEvent;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'findme-cli-half-'));
    const [bytes] = await generatedPhotos(1, 500);
    await writeFile(path.join(dir, 'half.jpg'), bytes!);
    // A run killed between the upload and its completion: the file is stored, the photo still PENDING.
    const sha256 = createHash('sha256').update(bytes!).digest('hex');
    const req = await server.gql(RequestPhotoUploadsDocument, { eventId: other.id, files: [{ filename: 'half.jpg', contentType: 'image/jpeg', byteSize: bytes!.length, sha256 }] }, { token });
    assert.equal((await uploadTo(req.data!.requestPhotoUploads[0]!.upload, bytes!, 'image/jpeg')).status, 200);
    try {
      const run = findme(['upload', dir, '--event', other.code]);
      assert.equal(await run.exit, 0, run.output());
      assert.match(run.output(), /Done: 1, failed: 0/);
      const rows = await server.sql<{ status: string }>('select status from photos where event_id = ?', [other.id]);
      assert.deepEqual(rows, [{ status: 'DONE' }], 'the same photo, completed, not a second one');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should keep watching the folder and upload a photo added later, once it is completely written', async (t) => {
    const watched = await mkdtemp(path.join(os.tmpdir(), 'findme-cli-watch-'));
    const [a, b] = await generatedPhotos(2, 700);
    await writeFile(path.join(watched, 'first.jpg'), a!);
    // The photographer's own second event, created through the API with the saved session.
    const token = await savedToken();
    const event = (await server.gql(CreateEventDocument, { input: { name: 'Studio session', date: '2026-06-02' } }, { token })).data!.createEvent;
    const run = findme(['upload', watched, '--event', event.code, '--watch']);
    // A failed assertion must not leave the watcher running (the test file would never end).
    t.after(() => void run.child.kill('SIGKILL'));
    const count = async () => (await server.sql<{ n: number }>(`select count(*)::int as n from photos where event_id = ? and status = 'DONE'`, [event.id]))[0]!.n;
    for (let i = 0; i < 200 && !run.output().includes('Watching'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(run.output(), /Watching/);

    // Written in two halves, as a camera does over USB: only the whole file may be sent.
    const handle = await open(path.join(watched, 'IMG_LATER.jpg'), 'w');
    await handle.write(b!.subarray(0, Math.floor(b!.length / 2)));
    // A pause well inside the one second a file must hold still (a loaded test machine stretches timers).
    await new Promise((r) => setTimeout(r, 300));
    await handle.write(b!.subarray(Math.floor(b!.length / 2)));
    await handle.close();
    for (let i = 0; i < 300 && (await count()) < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await count(), 2, run.output());
    const later = await server.sql<{ byte_size: number; status: string }>(`select byte_size, status from photos where event_id = ? and original_filename = 'IMG_LATER.jpg'`, [event.id]);
    assert.deepEqual(later, [{ byte_size: b!.length, status: 'DONE' }], 'the complete file, once');

    run.child.kill('SIGINT');
    assert.equal(await run.exit, 0, run.output());
    assert.match(run.output(), /Stopped watching/);
    assert.match(run.output(), /Done: 2, failed: 0/);
    await rm(watched, { recursive: true, force: true });
  });

  it('should settle a burst of files together, and send a file moved into the folder as soon as it lands', async (t) => {
    const watched = await mkdtemp(path.join(os.tmpdir(), 'findme-cli-burst-'));
    const staging = await mkdtemp(path.join(os.tmpdir(), 'findme-cli-staging-'));
    const token = await savedToken();
    const event = (await server.gql(CreateEventDocument, { input: { name: 'Race', date: '2026-06-03' } }, { token })).data!.createEvent;
    const inEvent = async () => (await server.sql<{ n: number }>('select count(*)::int as n from photos where event_id = ?', [event.id]))[0]!.n;
    const run = findme(['upload', watched, '--event', event.code, '--watch', '--concurrency', '8']);
    t.after(() => void run.child.kill('SIGKILL'));
    try {
      for (let i = 0; i < 200 && !run.output().includes('Watching'); i++) await new Promise((r) => setTimeout(r, 50));
      const photos = await generatedPhotos(22, 400);
      // A card reader copying 21 files: all written at once.
      const started = performance.now();
      await Promise.all(photos.slice(0, 21).map((bytes, i) => writeFile(path.join(watched, `BURST_${i}.jpg`), bytes)));
      while ((await inEvent()) < 21 && performance.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
      const burst = performance.now() - started;
      assert.equal(await inEvent(), 21, run.output());
      // One settling second for the whole burst, not one per file (21 s before).
      assert.ok(burst < 6000, `the burst of 21 reached the server after ${burst.toFixed(0)} ms`);

      // Tethering software writes elsewhere, then moves the finished file in.
      await writeFile(path.join(staging, 'TETHER_1.jpg'), photos[21]!);
      const moved = performance.now();
      await rename(path.join(staging, 'TETHER_1.jpg'), path.join(watched, 'TETHER_1.jpg'));
      while ((await inEvent()) < 22 && performance.now() - moved < 10_000) await new Promise((r) => setTimeout(r, 50));
      const tether = performance.now() - moved;
      assert.equal(await inEvent(), 22);
      assert.ok(tether < STABLE_WAIT_MS, `a file moved in whole is sent without waiting for it to settle (${tether.toFixed(0)} ms)`);
    } finally {
      run.child.kill('SIGINT');
      await run.exit;
      await rm(watched, { recursive: true, force: true });
      await rm(staging, { recursive: true, force: true });
    }
  });
});

/** How long a file being written must hold still: a moved-in file is sent sooner than this. */
const STABLE_WAIT_MS = 1000;

describe('findme upload --watch through a day (the session renews itself)', () => {
  let server: TestServer;
  const clock = new TestClock();
  let configDir: string;

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, clock, env: { PHOTO_DISPLAY_MOZJPEG: 'false', JWT_TTL_SECONDS: '60' } });
    configDir = await mkdtemp(path.join(os.tmpdir(), 'findme-cli-day-'));
  });
  after(async () => {
    await server.close();
    await rm(configDir, { recursive: true, force: true });
  });

  it('should keep sending photos long after the access token expired, renewing with the refresh token kept in the config directory', async (t) => {
    const email = uniqueEmail('tethered');
    const token = (await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName: 'Studio', role: 'PHOTOGRAPHER' } })).data!.register.token;
    const event = (await server.gql(CreateEventDocument, { input: { name: 'All day', date: '2026-06-04' } }, { token })).data!.createEvent;
    const env = { PATH: process.env['PATH'] ?? '', FINDME_CONFIG_DIR: configDir };
    const login = spawn(process.execPath, [bin, 'login', '--server', server.baseUrl, '--email', email, '--password-stdin'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    login.stdin.end('long enough password\n');
    assert.equal(await new Promise((r) => login.once('exit', r)), 0);
    const saved = async () => (JSON.parse(await readFile(path.join(configDir, 'credentials.json'), 'utf8')) as { servers: Record<string, { token: string; refreshToken?: string }> }).servers[server.baseUrl]!;
    const first = await saved();
    assert.ok(first.refreshToken, 'the refresh token is kept with the session');
    assert.equal((await stat(path.join(configDir, 'credentials.json'))).mode & 0o777, 0o600);

    const watched = await mkdtemp(path.join(os.tmpdir(), 'findme-cli-day-photos-'));
    let output = '';
    const child = spawn(process.execPath, [bin, 'upload', watched, '--event', event.code, '--watch'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => void child.kill('SIGKILL'));
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    // Sent whole (past PENDING): only then may the day move on, or its upload link would expire under it.
    const inEvent = async () => (await server.sql<{ n: number }>(`select count(*)::int as n from photos where event_id = ? and status <> 'PENDING'`, [event.id]))[0]!.n;
    try {
      for (let i = 0; i < 200 && !output.includes('Watching'); i++) await new Promise((r) => setTimeout(r, 50));
      const photos = await generatedPhotos(4, 400);
      // Four photos, each 20 minutes after the last by the server's clock: every access token has expired by then.
      for (const [i, bytes] of photos.entries()) {
        if (i > 0) clock.advance(20 * 60);
        await writeFile(path.join(watched, `DAY_${i}.jpg`), bytes);
        for (let t = 0; t < 150 && (await inEvent()) < i + 1; t++) await new Promise((r) => setTimeout(r, 100));
        assert.equal(await inEvent(), i + 1, `photo ${i + 1} was sent an hour into the day: ${output}`);
      }
      assert.doesNotMatch(output, /expired|log in again|findme login/i);
      const now = await saved();
      assert.notEqual(now.token, first.token, 'the renewed session was saved');
      assert.notEqual(now.refreshToken, first.refreshToken, 'and its refresh token rotated');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, output);
    assert.match(output, /Done: 4, failed: 0/);
    await rm(watched, { recursive: true, force: true });
  });
});
