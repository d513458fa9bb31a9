import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { PhotoDocument, PhotosDocument, RequestPhotoUploadsDocument } from './generated/graphql.js';
import { newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { devGroupPhoto, phoneJpegWithGps, pngBomb } from './support/images.js';

/** A small deterministic PRNG (mulberry32), so a failing mutation can be reproduced. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of several kinds of damage, chosen and placed by the PRNG. */
function mutate(source: Buffer, random: () => number): { bytes: Buffer; how: string } {
  const bytes = Buffer.from(source);
  const at = () => 2 + Math.floor(random() * (bytes.length - 2));
  switch (Math.floor(random() * 5)) {
    case 0: {
      const n = 1 + Math.floor(random() * 32);
      for (let i = 0; i < n; i++) bytes[at()] = Math.floor(random() * 256);
      return { bytes, how: `${n} random bytes` };
    }
    case 1: {
      const end = at();
      return { bytes: bytes.subarray(0, end), how: `truncated at ${end}` };
    }
    case 2: {
      const start = at();
      const len = Math.floor(random() * 4096);
      bytes.fill(0, start, Math.min(bytes.length, start + len));
      return { bytes, how: `${len} bytes zeroed at ${start}` };
    }
    case 3: {
      const start = at();
      const len = 1 + Math.floor(random() * 2048);
      return { bytes: Buffer.concat([bytes.subarray(0, start), bytes.subarray(Math.min(bytes.length, start + len))]), how: `${len} bytes cut at ${start}` };
    }
    default: {
      const start = at();
      const junk = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 512) }, () => Math.floor(random() * 256)));
      return { bytes: Buffer.concat([bytes.subarray(0, start), junk, bytes.subarray(start)]), how: `${junk.length} bytes inserted at ${start}` };
    }
  }
}

const KNOWN_CODES = new Set(['CORRUPT_IMAGE', 'UNSUPPORTED_FORMAT', 'TOO_MANY_PIXELS', 'FILE_TOO_LARGE']);

describe('hostile files', () => {
  let server: TestServer;
  let owner: string;
  let eventId: string;

  before(async () => {
    // libjpeg-turbo for the display copy: the fuzz is about decoding, not compression.
    server = await startTestServer({ hasher: plainHasher, worker: true, env: { PHOTO_DISPLAY_MOZJPEG: 'false', PHOTO_JOB_MAX_ATTEMPTS: '2' } });
    ({ owner, eventId } = await newEvent(server, 'Fuzz'));
  });
  after(() => server.close());

  async function expectStrippedDisplay(id: string, what: string) {
    const photo = (await server.gql(PhotoDocument, { id }, { token: owner })).data!.photo!;
    const display = Buffer.from(await (await fetch(photo.displayUrl!)).arrayBuffer());
    const meta = await sharp(display).metadata();
    assert.equal(meta.format, 'jpeg', what);
    assert.equal(meta.exif, undefined, `${what}: no EXIF (no GPS) in the display copy`);
    assert.equal(meta.xmp, undefined, what);
  }

  it('should refuse an SVG (or anything not a photo type) at the upload request, naming the file', async () => {
    const res = await server.gql(
      RequestPhotoUploadsDocument,
      { eventId, files: [{ filename: 'logo.svg', contentType: 'image/svg+xml', byteSize: 300 }] },
      { token: owner },
    );
    assert.equal(errorCode(res), 'BAD_USER_INPUT');
    assert.match(res.errors![0]!.message, /files\[0\]/);
  });

  it('should end every hostile file FAILED with a readable message or DONE without metadata, and keep processing good photos', async () => {
    const base = await phoneJpegWithGps(await sharp(await devGroupPhoto(3)).resize({ width: 640 }).jpeg({ quality: 80 }).toBuffer());
    const html = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    const files: { name: string; bytes: Buffer; contentType: string }[] = [
      { name: 'good-1.jpg', bytes: base, contentType: 'image/jpeg' },
      // A real JPEG with an HTML page appended: decodes; the copies we serve are re-encoded.
      { name: 'polyglot-tail.jpg', bytes: Buffer.concat([base, html]), contentType: 'image/jpeg' },
      // A JPEG signature in front of an HTML page.
      { name: 'polyglot-head.jpg', bytes: Buffer.concat([base.subarray(0, 20), html]), contentType: 'image/jpeg' },
      { name: 'drawing.png', bytes: svg, contentType: 'image/png' },
      { name: 'page.jpg', bytes: html, contentType: 'image/jpeg' },
      // Declared PNG, really a JPEG: the bytes decide.
      { name: 'liar.png', bytes: base, contentType: 'image/png' },
      { name: 'bomb.png', bytes: pngBomb(30000, 30000), contentType: 'image/png' },
    ];
    const random = prng(20261122);
    const hows = new Map<string, string>();
    for (let i = 0; i < 200; i++) {
      const { bytes, how } = mutate(base, random);
      hows.set(`fuzz-${i}.jpg`, how);
      files.push({ name: `fuzz-${i}.jpg`, bytes, contentType: 'image/jpeg' });
    }
    files.push({ name: 'good-2.jpg', bytes: await devGroupPhoto(1), contentType: 'image/jpeg' });

    const ids = await uploadPhotos(server, owner, eventId, files);
    const outcome = new Map<string, { status: string; errorCode: string | null | undefined; errorMessage: string | null | undefined; id: string }>();
    for (const [i, id] of ids.entries()) {
      const photo = await waitForPhoto(server, owner, id, 120_000);
      outcome.set(files[i]!.name, { status: photo.status, errorCode: photo.errorCode, errorMessage: photo.errorMessage, id });
    }

    for (const [name, o] of outcome) {
      const what = `${name}${hows.has(name) ? ` (${hows.get(name)})` : ''}`;
      if (o.status === 'FAILED') {
        assert.ok(KNOWN_CODES.has(o.errorCode ?? ''), `${what}: ${o.errorCode}`);
        assert.match(o.errorMessage ?? '', /^[A-Z][^\n]{10,200}\.$/, `${what}: one readable sentence`);
        assert.doesNotMatch(o.errorMessage ?? '', /Error:|at \w+ \(|vips|sharp/i, `${what}: no internals`);
      } else {
        assert.equal(o.status, 'DONE', what);
        await expectStrippedDisplay(o.id, what);
      }
    }
    assert.equal(outcome.get('good-1.jpg')!.status, 'DONE');
    assert.equal(outcome.get('good-2.jpg')!.status, 'DONE', 'a good photo after 200 bad ones is processed: the worker stayed up');
    assert.equal(outcome.get('polyglot-tail.jpg')!.status, 'DONE');
    assert.equal(outcome.get('liar.png')!.status, 'DONE');
    assert.deepEqual(['polyglot-head.jpg', 'drawing.png', 'page.jpg'].map((n) => outcome.get(n)!.errorCode), ['CORRUPT_IMAGE', 'UNSUPPORTED_FORMAT', 'UNSUPPORTED_FORMAT']);
    assert.equal(outcome.get('bomb.png')!.errorCode, 'TOO_MANY_PIXELS');

    // The original of the polyglot is served as a download of its declared type, never as a page.
    const poly = (await server.gql(PhotoDocument, { id: outcome.get('polyglot-tail.jpg')!.id }, { token: owner })).data!.photo!;
    const original = await fetch(poly.downloadUrl!);
    assert.equal(original.headers.get('content-type'), 'image/jpeg');
    assert.equal(original.headers.get('x-content-type-options'), 'nosniff');
    assert.match(original.headers.get('content-disposition') ?? '', /^attachment/);

    const fuzz = [...outcome].filter(([n]) => n.startsWith('fuzz-'));
    const failed = fuzz.filter(([, o]) => o.status === 'FAILED').length;
    const listed = await server.gql(PhotosDocument, { eventId, first: 1 }, { token: owner });
    assert.equal(listed.data!.photos.totalCount, files.length, 'nothing lost, nothing duplicated');
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(`# hostile files: ${fuzz.length} mutations → ${fuzz.length - failed} DONE (metadata stripped), ${failed} FAILED with a message; peak RSS of the test process (API + worker) ${peakRssMb} MB`);
    assert.ok(peakRssMb < 2048, `peak RSS ${peakRssMb} MB`);
  });
});
