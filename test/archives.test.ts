import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import yauzl from 'yauzl';
import { JoinEventDocument, LeaveEventDocument, LoginDocument, MeDocument, RegisterDocument, SetPhotosVisibilityDocument } from './generated/graphql.js';
import { photoKeys } from '../src/domain/object-keys.js';
import { newAccount, newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, TestClock, uniqueEmail, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';

const MY_ARCHIVE = 'query($e: ID!) { myPhotosArchive(eventId: $e) { url expiresAt photoCount } }';
const EVENT_ARCHIVE = 'query($e: ID!) { eventArchive(eventId: $e) { url expiresAt photoCount } }';

/** The files of a ZIP, by name, read with a real ZIP reader. */
function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('photos as one ZIP, streamed', () => {
  let server: TestServer;
  const clock = new TestClock();
  let event: { owner: string; eventId: string; code: string };
  let ids: string[];
  let originals: Buffer[];
  before(async () => {
    // Three ZIPs at once per server, two per account: the caps are tested below.
    server = await startTestServer({ hasher: plainHasher, worker: true, clock, env: { ARCHIVE_MAX_CONCURRENT: '4', ARCHIVE_MAX_CONCURRENT_PER_USER: '2' } });
    event = await newEvent(server, 'Wedding');
    originals = await generatedPhotos(4, 400);
    ids = await uploadPhotos(server, event.owner, event.eventId, originals.map((bytes, i) => ({ name: i === 3 ? 'IMG_0.jpg' : `IMG_${i}.jpg`, bytes })));
    for (const id of ids) await waitForPhoto(server, event.owner, id);
  });
  after(() => server.close());

  const query = async (q: string, eventId: string, token: string) => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: q, variables: { e: eventId } }) });
    return (await res.json()) as { data?: Record<string, { url: string; expiresAt: string; photoCount: number }>; errors?: { extensions?: { code?: string } }[] };
  };

  /** A match of the user in the photo, as the pipeline would have made it. */
  async function match(userToken: string, photoId: string): Promise<void> {
    const userId = (await server.gql(MeDocument, {}, { token: userToken })).data!.me!.id;
    await server.sql(
      `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, created_at) values (gen_random_uuid(), ?, 9, 0.1, 0.1, 0.2, 0.2, 0.99, now())`,
      [photoId],
    );
    await server.sql(
      `insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at)
       select gen_random_uuid(), ?, ?, ?, f.id, 80, 'INGEST', now() from faces f where f.photo_id = ? and f.face_index = 9 limit 1`,
      [photoId, userId, userId, photoId],
    );
  }

  it("should give a guest exactly their photos (their matches and the general ones), never a bystander's", async () => {
    const guest = await newAccount(server, 'PARTICIPANT', 'Ana');
    const bystander = await newAccount(server, 'PARTICIPANT', 'Bo');
    for (const token of [guest, bystander]) await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token });
    await match(guest, ids[0]!);
    await match(guest, ids[3]!);
    await match(bystander, ids[1]!);
    await server.gql(SetPhotosVisibilityDocument, { ids: [ids[2]!], showInGeneral: true }, { token: event.owner });

    const offer = await query(MY_ARCHIVE, event.eventId, guest);
    assert.equal(offer.errors, undefined, JSON.stringify(offer.errors));
    const download = offer.data!['myPhotosArchive']!;
    assert.equal(download.photoCount, 3);
    assert.ok(Date.parse(download.expiresAt) > Date.now());

    const res = await fetch(download.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="Wedding - FindMe\.zip"/);
    const files = await unzip(Buffer.from(await res.arrayBuffer()));
    // Two photos named IMG_0.jpg by their uploader: both kept, the second renamed.
    assert.deepEqual([...files.keys()].sort(), ['IMG_0 (2).jpg', 'IMG_0.jpg', 'IMG_2.jpg']);
    for (const bytes of files.values()) assert.equal(bytes.subarray(0, 2).toString('hex'), 'ffd8', 'JPEG files');
    assert.ok(![...files.values()].some((b) => b.equals(originals[1]!)), "no trace of the bystander's photo");
  });

  it('should give the photographer every uploaded file of the event, and refuse a guest', async () => {
    const offer = await query(EVENT_ARCHIVE, event.eventId, event.owner);
    const download = offer.data!['eventArchive']!;
    assert.equal(download.photoCount, 4);
    const files = await unzip(Buffer.from(await (await fetch(download.url)).arrayBuffer()));
    assert.equal(files.size, 4);
    for (const original of originals) assert.ok([...files.values()].some((b) => b.equals(original)), 'the files as uploaded');

    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token: guest });
    assert.equal((await query(EVENT_ARCHIVE, event.eventId, guest)).errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('should refuse a forged link, an expired one, and one whose holder left the event', async () => {
    assert.equal((await fetch(`${server.baseUrl}/archives/forged`)).status, 404);
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token: guest });
    const { url } = (await query(MY_ARCHIVE, event.eventId, guest)).data!['myPhotosArchive']!;
    const tampered = url.slice(0, -4) + (url.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await fetch(tampered)).status, 404);
    clock.advance(3600);
    try {
      const expired = await fetch(url);
      assert.equal(expired.status, 404);
      assert.match(((await expired.json()) as { message: string }).message, /expired/);
    } finally {
      clock.advance(-3600);
    }
    assert.equal((await fetch(url)).status, 200);
    await server.gql(LeaveEventDocument, { eventId: event.eventId }, { token: guest });
    assert.equal((await fetch(url)).status, 404, 'access is checked again when the link is followed');
  });

  it('should stream 200 photos of 1 MB with flat memory (peak RSS growth far below the archive size)', async () => {
    const big = await newEvent(server, 'Marathon');
    const [first] = await uploadPhotos(server, big.owner, big.eventId, [{ name: 'seed.jpg', bytes: (await generatedPhotos(1, 300))[0]! }]);
    await waitForPhoto(server, big.owner, first!);
    const key = photoKeys(big.eventId, first!).original;
    await server.app.store.put(key, randomBytes(1024 * 1024), 'image/jpeg');
    await server.sql(
      `insert into photos (id, event_id, uploader_id, original_filename, content_type, byte_size, original_key, display_key, thumbnail_key, status, show_in_general, created_at, updated_at, attempts)
       select gen_random_uuid(), p.event_id, p.uploader_id, 'RUN_' || n || '.jpg', 'image/jpeg', 1048576, p.original_key, p.display_key, p.thumbnail_key, 'DONE', false, now(), now(), 1
         from photos p, generate_series(1, 199) n where p.id = ?`,
      [first],
    );
    const { url, photoCount } = (await query(EVENT_ARCHIVE, big.eventId, big.owner)).data!['eventArchive']!;
    assert.equal(photoCount, 200);

    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    let received = 0;
    let tail = Buffer.alloc(0);
    try {
      const res = await fetch(url);
      assert.equal(res.status, 200);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        received += chunk.length;
        tail = Buffer.concat([tail, Buffer.from(chunk)]).subarray(-256);
      }
    } finally {
      clearInterval(sampler);
    }
    const total = 200 * 1024 * 1024;
    assert.ok(received > total, `the whole archive arrived (${received} bytes)`);
    // End of central directory: signature, then the number of entries.
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    assert.ok(eocd >= 0);
    assert.equal(tail.readUInt16LE(eocd + 10), 200);
    const growth = peak - baseline;
    assert.ok(growth < 100 * 1024 * 1024, `peak RSS grew by ${(growth / 1048576).toFixed(0)} MB while ${(total / 1048576).toFixed(0)} MB went through`);
  });

  /** Waits until the server streams no ZIP (a full server answers 429 before reading the link). */
  async function serverIdle(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${server.baseUrl}/archives/forged`)).status === 429 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }

  /** An administrator (appointed in the database before their first request). */
  async function adminAccount(): Promise<string> {
    const email = uniqueEmail('admin');
    const token = (await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName: 'Admin', role: 'PARTICIPANT' } })).data!.register.token;
    await server.sql(`update users set role = 'ADMIN' where email = ?`, [email]);
    return token;
  }

  /** An event of `count` DONE photos named by `name(n)`, each reading the same small object (made fast with SQL). */
  async function manyPhotos(count: number, name: (n: number) => string, objectBytes = 1024): Promise<{ owner: string; eventId: string; code: string }> {
    const made = await newEvent(server, 'Many');
    const [first] = await uploadPhotos(server, made.owner, made.eventId, [{ name: 'seed.jpg', bytes: (await generatedPhotos(1, 200))[0]! }]);
    await waitForPhoto(server, made.owner, first!);
    await server.app.store.put(photoKeys(made.eventId, first!).original, randomBytes(objectBytes), 'image/jpeg');
    await server.sql(`update photos set original_filename = ? where id = ?`, [name(0), first]);
    const names = Array.from({ length: count - 1 }, (_, i) => name(i + 1));
    await server.sql(
      `insert into photos (id, event_id, uploader_id, original_filename, content_type, byte_size, original_key, display_key, thumbnail_key, status, show_in_general, created_at, updated_at, attempts)
       select gen_random_uuid(), p.event_id, p.uploader_id, n.name, 'image/jpeg', ?, p.original_key, p.display_key, p.thumbnail_key, 'DONE', false, now(), now(), 1
         from photos p, unnest(?::text[]) as n(name) where p.id = ?`,
      [objectBytes, `{${names.map((n) => JSON.stringify(n)).join(',')}}`, first],
    );
    return made;
  }

  it('should keep answering /healthz within 100 ms while four ZIPs of 5,000 photos all named IMG_0001.JPG are opened', async (t) => {
    const many = await manyPhotos(5000, () => 'IMG_0001.JPG', 16);
    const { url, photoCount } = (await query(EVENT_ARCHIVE, many.eventId, many.owner)).data!['eventArchive']!;
    assert.equal(photoCount, 5000);
    // Two as the owner (the per-account cap), two as an administrator.
    const adminUrl = (await query(EVENT_ARCHIVE, many.eventId, await adminAccount())).data!['eventArchive']!.url;
    // A prober on a thread of its own, as a load balancer would be: this thread's own work does not delay it.
    const probeWhile = async <T>(work: () => Promise<T>): Promise<{ result: T; worst: number; count: number; blocked: number }> => {
      const prober = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         let worst = 0, stop = false, count = 0;
         parentPort.on('message', () => { stop = true; });
         (async () => {
           await (await fetch(workerData)).arrayBuffer(); // warm: the first fetch of a thread loads its HTTP client
           while (!stop) {
             const t = performance.now();
             const res = await fetch(workerData);
             if (res.status !== 200) throw new Error('healthz answered ' + res.status);
             worst = Math.max(worst, performance.now() - t);
             count++;
             await new Promise((r) => setTimeout(r, 5));
           }
           parentPort.postMessage({ worst, count });
         })();`,
        { eval: true, workerData: `${server.baseUrl}/healthz` },
      );
      try {
        await new Promise((r) => setTimeout(r, 200));
        // And the server's own event loop: how long it was ever kept from answering anyone.
        const loop = monitorEventLoopDelay({ resolution: 5 });
        loop.enable();
        const result = await work();
        loop.disable();
        prober.postMessage('stop');
        const probe = (await once(prober, 'message'))[0] as { worst: number; count: number };
        return { result, ...probe, blocked: loop.max / 1e6 };
      } finally {
        await prober.terminate();
      }
    };
    // Opened: every file listed and named, the first bytes on their way. Up to three rounds: a freeze
    // shows in every round, the noise of a busy test machine in one at most.
    const rounds: number[] = [];
    let longestBlock = 0;
    let files: Map<string, Buffer> | undefined;
    for (let round = 0; round < 3 && (rounds.length === 0 || Math.min(...rounds) >= 100); round++) {
      const { result: opened, worst, count, blocked } = await probeWhile(() => Promise.all([url, url, adminUrl, adminUrl].map((u) => fetch(u))));
      try {
        assert.deepEqual(opened.map((r) => r.status), [200, 200, 200, 200]);
        assert.ok(count > 1, 'the prober ran');
        rounds.push(worst);
        longestBlock = Math.max(longestBlock, blocked);
        files ??= await unzip(Buffer.from(await opened[0]!.arrayBuffer()));
      } finally {
        await Promise.all(opened.map((r) => (r.bodyUsed ? undefined : r.body?.cancel())));
        await serverIdle();
      }
    }
    t.diagnostic(`slowest /healthz per round: ${rounds.map((w) => w.toFixed(0)).join(', ')} ms; event loop blocked at most ${longestBlock.toFixed(0)} ms`);
    assert.ok(longestBlock < 100, `the server's event loop was blocked for ${longestBlock.toFixed(0)} ms`);
    assert.ok(Math.min(...rounds) < 100, `/healthz took up to ${rounds.map((w) => w.toFixed(0)).join(', ')} ms while the ZIPs were opened`);
    assert.ok(files);
    assert.equal(files.size, 5000, 'every photo is in the ZIP, each under its own name');
    assert.ok(files.has('IMG_0001.JPG') && files.has('IMG_0001 (2).JPG') && files.has('IMG_0001 (5000).JPG'));
  });

  it('should give every ZIP entry a name of its own once made safe (a drive letter, a device name, a case twin)', async () => {
    const sent = ['dup.jpg', 'C:dup.jpg', 'DUP.JPG', 'dup (2).jpg', 'con.jpg', 'what?.jpg', 'what_.jpg', 'trailing. ', 'Cafe\u0301.jpg', 'Café.jpg'];
    const odd = await manyPhotos(sent.length, (n) => sent[n]!);
    const { url } = (await query(EVENT_ARCHIVE, odd.eventId, odd.owner)).data!['eventArchive']!;
    const names = [...(await unzip(Buffer.from(await (await fetch(url)).arrayBuffer()))).keys()];
    assert.equal(names.length, sent.length, JSON.stringify(names));
    const extracted = names.map((n) => n.normalize('NFC').toLowerCase());
    assert.equal(new Set(extracted).size, names.length, `two entries would extract to one file: ${JSON.stringify(names)}`);
    for (const name of names) {
      assert.doesNotMatch(name, /[<>:"/\\|?*\u0000-\u001f]|[. ]$/, `${JSON.stringify(name)} is not a safe file name`);
      assert.doesNotMatch(name, /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i, `${JSON.stringify(name)} is a device name`);
    }
  });

  it('should refuse a third ZIP at once for one account, and a fifth on the server, with 429 and a sentence', async () => {
    const big = await manyPhotos(40, (n) => `P${n}.jpg`, 1024 * 1024);
    const other = await adminAccount();
    const ownerUrl = (await query(EVENT_ARCHIVE, big.eventId, big.owner)).data!['eventArchive']!.url;
    const otherUrl = (await query(EVENT_ARCHIVE, big.eventId, other)).data!['eventArchive']!.url;
    const thirdUrl = (await query(EVENT_ARCHIVE, big.eventId, await adminAccount())).data!['eventArchive']!.url;
    // Readers that stall: their ZIPs stay open.
    const open = [await fetch(ownerUrl), await fetch(ownerUrl)];
    try {
      for (const res of open) assert.equal(res.status, 200);
      const third = await fetch(ownerUrl);
      assert.equal(third.status, 429);
      assert.match(((await third.json()) as { message: string }).message, /other downloads/);
      open.push(await fetch(otherUrl), await fetch(otherUrl));
      assert.deepEqual(open.map((r) => r.status), [200, 200, 200, 200], 'another account still gets its ZIPs');
      const fifth = await fetch(thirdUrl);
      assert.equal(fifth.status, 429, 'the server cap');
      assert.ok(Number(fifth.headers.get('retry-after')) > 0);
      assert.match(((await fifth.json()) as { message: string }).message, /Many downloads/);
    } finally {
      await Promise.all(open.map((res) => res.body?.cancel()));
    }
    // Once the readers are gone, the account gets its ZIP again.
    await serverIdle();
    const again = await fetch(ownerUrl);
    assert.equal(again.status, 200);
    await again.body?.cancel();
    await serverIdle();
  });

  it('should end a ZIP link with the session that asked for it (signing out, or out everywhere)', async () => {
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token: guest });
    const email = (await server.gql(MeDocument, {}, { token: guest })).data!.me!.email;
    const before = (await query(MY_ARCHIVE, event.eventId, guest)).data!['myPhotosArchive']!.url;
    assert.equal((await fetch(before)).status, 200);
    await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${guest}` }, body: JSON.stringify({ query: 'mutation { logoutEverywhere }' }) });
    assert.equal((await fetch(before)).status, 404, 'signed out everywhere: the link is dead');

    const token = (await server.gql(LoginDocument, { input: { email, password: 'long enough password' } })).data!.login.token;
    const second = (await query(MY_ARCHIVE, event.eventId, token)).data!['myPhotosArchive']!.url;
    assert.equal((await fetch(second)).status, 200);
    await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: 'mutation { logout }' }) });
    assert.equal((await fetch(second)).status, 404, 'signed out of that device: its link is dead');
  });
});
