import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import yauzl from 'yauzl';
import { JoinEventDocument, LeaveEventDocument, MeDocument, SetPhotosVisibilityDocument } from './generated/graphql.js';
import { photoKeys } from '../src/domain/object-keys.js';
import { newAccount, newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, TestClock, type TestServer } from './support/harness.js';
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
    server = await startTestServer({ hasher: plainHasher, worker: true, clock });
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
      `insert into matches (id, photo_id, user_id, face_id, similarity, source, created_at)
       select gen_random_uuid(), ?, ?, f.id, 80, 'INGEST', now() from faces f where f.photo_id = ? and f.face_index = 9 limit 1`,
      [photoId, userId, photoId],
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
});
