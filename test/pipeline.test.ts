import { parse as parseDisposition } from 'content-disposition';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  CompletePhotoUploadsDocument,
  CreateEventDocument,
  DeletePhotoDocument,
  EventProgressDocument,
  JoinEventDocument,
  MyPhotosDocument,
  type MyPhotosQuery,
  type MyPhotosQueryVariables,
  PhotoDocument,
  PhotosDocument,
  PhotoStatusChangedDocument,
  RegisterDocument,
  RequestPhotoUploadsDocument,
  RetryPhotoDocument,
  SetPhotoVisibilityDocument,
  type EventProgressSubscription,
  type PhotoStatusChangedSubscription,
} from './generated/graphql.js';
import { errorCode, plainHasher, startTestServer, TestClock, uniqueEmail, type TestServer } from './support/harness.js';
import { devGroupPhoto, phoneJpegWithGps, pngBomb, truncate } from './support/images.js';
import { collect } from './support/live.js';
import { uploadTo } from './support/upload.js';

interface Fixture {
  name: string;
  bytes: Buffer;
  contentType: string;
}

describe('photo pipeline (local storage, PostgreSQL queue)', () => {
  let server: TestServer;
  const clock = new TestClock();
  let owner: string;
  let guest: string;
  let outsider: string;
  let eventId: string;
  let eventCode: string;

  const account = async (role: 'PARTICIPANT' | 'PHOTOGRAPHER') =>
    (await server.gql(RegisterDocument, { input: { email: uniqueEmail(role), password: 'long enough password', displayName: role, role } })).data!
      .register.token;

  async function request(files: Fixture[], token = owner) {
    const res = await server.gql(
      RequestPhotoUploadsDocument,
      { eventId, files: files.map((f) => ({ filename: f.name, contentType: f.contentType, byteSize: f.bytes.length })) },
      { token },
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.requestPhotoUploads;
  }

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, clock, env: { PHOTO_JOB_MAX_ATTEMPTS: '2' } });
    owner = await account('PHOTOGRAPHER');
    guest = await account('PARTICIPANT');
    outsider = await account('PARTICIPANT');
    const event = (await server.gql(CreateEventDocument, { input: { name: 'Pipeline', date: '2026-06-01' } }, { token: owner })).data!.createEvent;
    eventId = event.id;
    eventCode = event.code;
    await server.gql(JoinEventDocument, { code: eventCode, consent: true }, { token: guest });
  });
  after(() => server.close());

  it('should take good and bad files from upload to DONE or FAILED, live, without one stopping the others', async () => {
    const good = await Promise.all(([1, 2, 3, 4, 5] as const).map(devGroupPhoto));
    const phone = await phoneJpegWithGps(good[1]!);
    assert.ok((await sharp(phone).metadata()).exif, 'the phone photo carries EXIF');
    const fixtures: Fixture[] = [
      ...good.map((bytes, i) => ({ name: `bbt${i + 1}.jpg`, bytes, contentType: 'image/jpeg' })),
      { name: 'phone.jpg', bytes: phone, contentType: 'image/jpeg' },
      { name: 'truncated.jpg', bytes: truncate(good[0]!), contentType: 'image/jpeg' },
      { name: 'notes.jpg', bytes: Buffer.from('these are my notes, not a photo\n'.repeat(20)), contentType: 'image/jpeg' },
      { name: 'bomb.png', bytes: pngBomb(30000, 30000), contentType: 'image/png' },
    ];
    assert.ok(fixtures.at(-1)!.bytes.length < 20_000, 'the bomb is a few kilobytes');

    const ws = server.ws({ authorization: `Bearer ${owner}` });
    const statuses = collect<PhotoStatusChangedSubscription, { eventId: string }>(ws, PhotoStatusChangedDocument, { eventId });
    const progress = collect<EventProgressSubscription, { eventId: string }>(ws, EventProgressDocument, { eventId });
    await progress.until((v) => v.length >= 1);
    assert.equal(progress.values[0]!.eventProgress.total, 0);
    await new Promise((r) => setTimeout(r, 200)); // both subscriptions are registered before the first change

    const targets = await request(fixtures);
    assert.equal(targets.length, fixtures.length);
    for (const [i, t] of targets.entries()) {
      assert.equal(t.photo.status, 'PENDING');
      assert.equal(t.upload.method, 'PUT');
      const res = await uploadTo(t.upload, fixtures[i]!.bytes, fixtures[i]!.contentType);
      assert.equal(res.status, 200, `upload of ${fixtures[i]!.name}`);
    }
    const completed = await server.gql(CompletePhotoUploadsDocument, { photoIds: targets.map((t) => t.photo.id) }, { token: owner });
    assert.equal(completed.errors, undefined);
    assert.ok(completed.data!.completePhotoUploads.every((p) => p.status !== 'PENDING'));

    const final = await progress.until((v) => {
      const last = v.at(-1)?.eventProgress;
      return last !== undefined && last.total === fixtures.length && last.done + last.failed === fixtures.length;
    });
    const last = final.at(-1)!.eventProgress;
    assert.deepEqual({ done: last.done, failed: last.failed, pending: last.pending, processing: last.processing }, { done: 6, failed: 3, pending: 0, processing: 0 });
    assert.ok(progress.values.length < 40, `progress is coalesced (${progress.values.length} updates)`);

    // Every photo went PENDING → UPLOADED → PROCESSING → DONE|FAILED, in that order.
    await statuses.until((v) => v.filter((e) => ['DONE', 'FAILED'].includes(e.photoStatusChanged.status)).length === fixtures.length);
    for (const t of targets) {
      const seq = statuses.values.filter((e) => e.photoStatusChanged.photo.id === t.photo.id).map((e) => e.photoStatusChanged.status);
      assert.deepEqual(seq.slice(0, 3), ['PENDING', 'UPLOADED', 'PROCESSING'], `${t.photo.originalFilename}: ${seq.join(' → ')}`);
      assert.ok(['DONE', 'FAILED'].includes(seq.at(-1)!));
      assert.equal(seq.filter((s) => s === 'DONE' || s === 'FAILED').length, 1, 'finished exactly once');
    }

    const byName = new Map<string, NonNullable<Awaited<ReturnType<typeof getPhoto>>>>();
    async function getPhoto(id: string) {
      return (await server.gql(PhotoDocument, { id }, { token: owner })).data?.photo;
    }
    for (const t of targets) byName.set(t.photo.originalFilename, (await getPhoto(t.photo.id))!);

    assert.deepEqual(
      ['truncated.jpg', 'notes.jpg', 'bomb.png'].map((n) => [byName.get(n)!.status, byName.get(n)!.errorCode, byName.get(n)!.errorMessage]),
      [
        ['FAILED', 'CORRUPT_IMAGE', 'The file is not a readable image (truncated JPEG).'],
        ['FAILED', 'UNSUPPORTED_FORMAT', 'The file is not a JPEG, PNG or WebP image (it looks like text).'],
        ['FAILED', 'TOO_MANY_PIXELS', 'The image is too large (30000 × 30000 pixels; the limit is 100 megapixels).'],
      ],
    );
    for (const name of ['truncated.jpg', 'notes.jpg', 'bomb.png']) {
      const p = byName.get(name)!;
      assert.equal(p.thumbnailUrl, null);
      assert.equal(p.attempts, 1, `${name}: a bad file is not retried`);
    }

    const bbt1 = byName.get('bbt1.jpg')!;
    assert.equal(bbt1.status, 'DONE');
    assert.deepEqual([bbt1.width, bbt1.height], [1366, 768]);
    assert.equal(bbt1.faceCount, 0, 'no face engine configured in this test');
    assert.ok(bbt1.processedAt);
    const thumb = await fetch(bbt1.thumbnailUrl!);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/webp');
    const thumbMeta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    assert.deepEqual([thumbMeta.format, thumbMeta.width, thumbMeta.height], ['webp', 400, 225]);
    const display = Buffer.from(await (await fetch(bbt1.displayUrl!)).arrayBuffer());
    const displayMeta = await sharp(display).metadata();
    assert.deepEqual([displayMeta.format, displayMeta.width, displayMeta.height], ['jpeg', 1366, 768], 'never enlarged');
    const original = await fetch(bbt1.downloadUrl!);
    assert.equal(parseDisposition(original.headers.get('content-disposition') ?? '').parameters['filename'], 'bbt1.jpg');
    assert.ok(Buffer.from(await original.arrayBuffer()).equals(good[0]!), 'the original is kept byte for byte');

    const phoneDone = byName.get('phone.jpg')!;
    const source = await sharp(good[1]!).metadata();
    assert.deepEqual([phoneDone.width, phoneDone.height], [source.height, source.width], 'rotated by its EXIF orientation');
    const phoneDisplay = await sharp(Buffer.from(await (await fetch(phoneDone.displayUrl!)).arrayBuffer())).metadata();
    assert.deepEqual([phoneDisplay.width, phoneDisplay.height], [source.height, source.width]);
    assert.equal(phoneDisplay.exif, undefined, 'no EXIF (and so no GPS) in the display image');
    assert.equal(phoneDisplay.orientation, undefined);
    const phoneThumb = await sharp(Buffer.from(await (await fetch(phoneDone.thumbnailUrl!)).arrayBuffer())).metadata();
    assert.equal(phoneThumb.exif, undefined);

    statuses.dispose();
    progress.dispose();
  });

  it('should list photos by status with a total, and page through them', async () => {
    const failed = await server.gql(PhotosDocument, { eventId, status: 'FAILED' }, { token: owner });
    assert.equal(failed.data?.photos.totalCount, 3);
    const pages: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: Awaited<ReturnType<typeof server.gql<import('./generated/graphql.js').PhotosQuery, import('./generated/graphql.js').PhotosQueryVariables>>> =
        await server.gql(PhotosDocument, { eventId, first: 4, after }, { token: owner });
      pages.push(...res.data!.photos.edges.map((e) => e.node.originalFilename));
      if (!res.data!.photos.pageInfo.hasNextPage) break;
      after = res.data!.photos.pageInfo.endCursor ?? null;
    }
    assert.equal(pages.length, 9);
    assert.equal(new Set(pages).size, 9);
    assert.equal(pages[0], 'bbt1.jpg', 'upload order');
  });

  it("should page a guest's photos newest first with a stable total, shown-to-everyone photos included", async () => {
    const done = await server.sql<{ id: string }>(`select id from photos where event_id = ? and status = 'DONE'`, [eventId]);
    assert.equal(done.length, 6);
    const before = await server.gql(MyPhotosDocument, { eventId, first: 2 }, { token: guest });
    assert.equal(before.data!.myPhotos.totalCount, 0, 'nothing is shown before the photographer shares it');
    for (const { id } of done) await server.gql(SetPhotoVisibilityDocument, { id, showInGeneral: true }, { token: owner });
    const seen: { id: string; createdAt: string }[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: Awaited<ReturnType<typeof server.gql<MyPhotosQuery, MyPhotosQueryVariables>>> = await server.gql(MyPhotosDocument, { eventId, first: 4, after }, { token: guest });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.equal(res.data!.myPhotos.totalCount, 6, 'the total does not depend on the page');
      for (const e of res.data!.myPhotos.edges) {
        assert.equal(e.node.event.id, eventId);
        assert.equal(e.node.myMatch, null, 'shown to everyone, not a match');
        seen.push({ id: e.node.id, createdAt: e.node.createdAt as string });
      }
      if (!res.data!.myPhotos.pageInfo.hasNextPage) break;
      after = res.data!.myPhotos.pageInfo.endCursor ?? null;
    }
    assert.equal(seen.length, 6);
    assert.equal(new Set(seen.map((s) => s.id)).size, 6);
    assert.deepEqual(seen.map((s) => s.createdAt), [...seen.map((s) => s.createdAt)].sort().reverse(), 'newest first');
    for (const { id } of done) await server.gql(SetPhotoVisibilityDocument, { id, showInGeneral: false }, { token: owner });
  });

  it('should keep photos to the owner: participants and strangers get FORBIDDEN or NOT_FOUND, and see nothing live', async () => {
    const files = [{ filename: 'x.jpg', contentType: 'image/jpeg', byteSize: 10 }];
    assert.equal(errorCode(await server.gql(RequestPhotoUploadsDocument, { eventId, files }, { token: guest })), 'FORBIDDEN');
    assert.equal(errorCode(await server.gql(RequestPhotoUploadsDocument, { eventId, files }, { token: outsider })), 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(RequestPhotoUploadsDocument, { eventId, files })), 'UNAUTHENTICATED');
    assert.equal(errorCode(await server.gql(PhotosDocument, { eventId }, { token: guest })), 'FORBIDDEN');
    assert.equal(errorCode(await server.gql(PhotosDocument, { eventId }, { token: outsider })), 'NOT_FOUND');

    const guestWs = server.ws({ authorization: `Bearer ${guest}` });
    const watch = collect(guestWs, PhotoStatusChangedDocument, { eventId });
    const errors = (await watch.failure()) as { extensions?: { code?: string } }[];
    assert.equal(errors[0]?.extensions?.code, 'FORBIDDEN');
    const progress = collect(guestWs, EventProgressDocument, { eventId });
    assert.equal(((await progress.failure()) as { extensions?: { code?: string } }[])[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(watch.values.length + progress.values.length, 0);

    const list = (await server.gql(PhotosDocument, { eventId, status: 'DONE' }, { token: owner })).data!.photos.edges;
    const photoId = list[0]!.node.id;
    assert.equal(errorCode(await server.gql(PhotoDocument, { id: photoId }, { token: guest })), 'NOT_FOUND', 'not matched, not in general');
    assert.equal(errorCode(await server.gql(DeletePhotoDocument, { id: photoId }, { token: guest })), 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(SetPhotoVisibilityDocument, { id: photoId, showInGeneral: true }, { token: outsider })), 'NOT_FOUND');

    const shown = await server.gql(SetPhotoVisibilityDocument, { id: photoId, showInGeneral: true }, { token: owner });
    assert.equal(shown.data?.setPhotoVisibility.showInGeneral, true);
    const seen = await server.gql(PhotoDocument, { id: photoId }, { token: guest });
    assert.equal(seen.data?.photo?.id, photoId, 'a photo shown in general is visible to participants');
    assert.ok(seen.data?.photo?.thumbnailUrl);
    assert.equal(errorCode(await server.gql(PhotoDocument, { id: photoId }, { token: outsider })), 'NOT_FOUND');
  });

  it('should validate upload requests and name the offending file', async () => {
    const res = await server.gql(
      RequestPhotoUploadsDocument,
      {
        eventId,
        files: [
          { filename: 'ok.jpg', contentType: 'image/jpeg', byteSize: 100 },
          { filename: 'doc.svg', contentType: 'image/svg+xml', byteSize: 100 },
        ],
      },
      { token: owner },
    );
    assert.equal(errorCode(res), 'BAD_USER_INPUT');
    assert.equal(res.errors?.[0]?.extensions?.['field'], 'files[1].contentType');
    const big = await server.gql(RequestPhotoUploadsDocument, { eventId, files: [{ filename: 'huge.jpg', contentType: 'image/jpeg', byteSize: 41 * 1024 * 1024 }] }, { token: owner });
    assert.equal(big.errors?.[0]?.extensions?.['field'], 'files[0].byteSize');
    const many = Array.from({ length: 501 }, (_, i) => ({ filename: `${i}.jpg`, contentType: 'image/jpeg', byteSize: 100 }));
    const tooMany = await server.gql(RequestPhotoUploadsDocument, { eventId, files: many }, { token: owner });
    assert.equal(tooMany.errors?.[0]?.extensions?.['field'], 'files');
    const total = (await server.gql(PhotosDocument, { eventId }, { token: owner })).data!.photos.totalCount;
    assert.equal(total, 9, 'a refused batch creates nothing');
  });

  it('should refuse forged, expired, replayed, mistyped and oversize uploads with 403 or 413', async () => {
    const bytes = await devGroupPhoto(3);
    const [target, other] = await request([
      { name: 'a.jpg', bytes, contentType: 'image/jpeg' },
      { name: 'b.jpg', bytes, contentType: 'image/jpeg' },
    ]);
    const url = new URL(target!.upload.url);
    const put = (u: string, body: Buffer, type = 'image/jpeg') => fetch(u, { method: 'PUT', headers: { 'content-type': type }, body });

    const forged = new URL(url);
    forged.searchParams.set('sig', `${url.searchParams.get('sig')!.slice(0, -2)}AA`);
    assert.equal((await put(forged.toString(), bytes)).status, 403);
    const raisedCap = new URL(url);
    raisedCap.searchParams.set('max', String(100 * 1024 * 1024));
    assert.equal((await put(raisedCap.toString(), bytes)).status, 403, 'the cap is part of the signature');
    const replayed = new URL(other!.upload.url);
    replayed.searchParams.set('sig', url.searchParams.get('sig')!);
    assert.equal((await put(replayed.toString(), bytes)).status, 403, "a signature does not open another photo's key");
    assert.equal((await put(url.toString(), bytes, 'image/png')).status, 403, 'the content type is pinned');
    const oversize = await put(url.toString(), Buffer.concat([bytes, Buffer.alloc(1)]));
    assert.equal(oversize.status, 413);
    const lying = await fetch(url.toString(), {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(bytes));
          controller.enqueue(new Uint8Array(1024));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(lying.status, 413, 'a streamed body is cut off at the cap');

    assert.equal((await put(url.toString(), bytes)).status, 200, 'the genuine upload still works');
    clock.advance(3601);
    assert.equal((await put(new URL(other!.upload.url).toString(), bytes)).status, 403, 'expired');
    clock.advance(-3601);

    const done = await server.gql(CompletePhotoUploadsDocument, { photoIds: [target!.photo.id, other!.photo.id] }, { token: owner });
    const states = Object.fromEntries(done.data!.completePhotoUploads.map((p) => [p.id, p.status]));
    assert.notEqual(states[target!.photo.id], 'PENDING');
    assert.equal(states[other!.photo.id], 'PENDING', 'a photo whose file never arrived stays PENDING');
  });

  it('should retry a FAILED photo on request, refuse to retry a DONE one, and delete photos with their files', async () => {
    const failed = (await server.gql(PhotosDocument, { eventId, status: 'FAILED' }, { token: owner })).data!.photos.edges[0]!.node;
    const ws = server.ws({ authorization: `Bearer ${owner}` });
    const statuses = collect(ws, PhotoStatusChangedDocument, { eventId });
    await new Promise((r) => setTimeout(r, 100));
    const retried = await server.gql(RetryPhotoDocument, { id: failed.id }, { token: owner });
    assert.equal(retried.data?.retryPhoto.status, 'UPLOADED');
    await statuses.until((v) => v.some((e) => e.photoStatusChanged.photo.id === failed.id && e.photoStatusChanged.status === 'FAILED'));
    const again = (await server.gql(PhotoDocument, { id: failed.id }, { token: owner })).data!.photo!;
    assert.equal(again.status, 'FAILED');
    assert.equal(again.errorCode, failed.errorCode);
    statuses.dispose();

    const done = (await server.gql(PhotosDocument, { eventId, status: 'DONE' }, { token: owner })).data!.photos.edges[0]!.node;
    assert.equal(errorCode(await server.gql(RetryPhotoDocument, { id: done.id }, { token: owner })), 'CONFLICT');

    const deleted = await server.gql(DeletePhotoDocument, { id: done.id }, { token: owner });
    assert.equal(deleted.data?.deletePhoto, done.id, 'the id comes back, for caches to evict');
    assert.equal(errorCode(await server.gql(PhotoDocument, { id: done.id }, { token: owner })), 'NOT_FOUND');
    assert.equal((await fetch(done.displayUrl!)).status, 404, 'files are gone');
    assert.equal((await fetch(done.downloadUrl!)).status, 404);
    assert.equal((await server.sql('select 1 from faces where photo_id = ?', [done.id])).length, 0);
  });
});
