import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseDisposition } from 'content-disposition';
import {
  DeleteAccountDocument,
  DeleteMyFaceDataDocument,
  JoinEventDocument,
  MeDocument,
  SetPhotoVisibilityDocument,
  UpdateEventDocument,
  PhotoDocument,
  RequestPhotoUploadsDocument,
  RequestSelfieUploadDocument,
} from './generated/graphql.js';
import { newAccount, newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, type TestServer } from './support/harness.js';
import sharp from 'sharp';
import { generatedPhotos } from './support/images.js';
import { uploadTo } from './support/upload.js';

/** Names photographers' computers really produce, and names an attacker would send. */
const NAMES: { sent: string; shown: string }[] = [
  { sent: 'Фото свадьбы.jpg', shown: 'Фото свадьбы.jpg' },
  { sent: '婚礼照片 2026.jpg', shown: '婚礼照片 2026.jpg' },
  { sent: 'Café crème brûlée.jpg', shown: 'Café crème brûlée.jpg' },
  { sent: 'party 🎉😀.jpg', shown: 'party 🎉😀.jpg' },
  { sent: 'photo\u202Egpj.exe', shown: 'photogpj.exe' },
  { sent: 'שלום\u200F עולם.jpg', shown: 'שלום עולם.jpg' },
  { sent: 'ctl\u0000\u0001\u0007\u007f.jpg', shown: 'ctl.jpg' },
  { sent: 'x\r\nSet-Cookie: a=b.jpg', shown: 'xSet-Cookie: a=b.jpg' },
  { sent: `quote"s 'and' back\\slash.jpg`, shown: 'slash.jpg' },
  { sent: '..', shown: '..' },
  { sent: '../../etc/passwd', shown: 'passwd' },
  { sent: 'name; filename="evil.html"', shown: 'name; filename="evil.html"' },
  { sent: '%41%0d%0a.jpg', shown: '%41%0d%0a.jpg' },
  { sent: `${'long name '.repeat(24)}.jpg`, shown: `${'long name '.repeat(24)}.jpg`.trim() },
];

async function healthy(server: TestServer): Promise<void> {
  const res = await fetch(`${server.baseUrl}/healthz`);
  assert.equal(res.status, 200, 'the server must still answer');
}

describe('File names and upload links', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true });
  });
  after(() => server.close());

  it('should store, process and download every file name, the server answering after each', async () => {
    const { owner, eventId } = await newEvent(server);
    const bytes = await generatedPhotos(NAMES.length, 320);
    const ids = await uploadPhotos(server, owner, eventId, NAMES.map((n, i) => ({ name: n.sent, bytes: bytes[i]! })));
    for (const [i, id] of ids.entries()) {
      const photo = await waitForPhoto(server, owner, id);
      assert.equal(photo.status, 'DONE', `${JSON.stringify(NAMES[i]!.sent)}: ${photo.errorMessage}`);
      assert.equal(photo.originalFilename, NAMES[i]!.shown);
      const download = await fetch(photo.downloadUrl!);
      assert.equal(download.status, 200, JSON.stringify(NAMES[i]!.sent));
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes[i], 'the owner gets the original, byte for byte');
      const disposition = parseDisposition(download.headers.get('content-disposition')!);
      assert.equal(disposition.type, 'attachment');
      assert.equal(disposition.parameters['filename'], NAMES[i]!.shown);
      await healthy(server);
    }
  });

  it('should refuse a 1,000-character file name with a sentence, and keep answering', async () => {
    const { owner, eventId } = await newEvent(server);
    const res = await server.gql(RequestPhotoUploadsDocument, { eventId, files: [{ filename: `${'é'.repeat(996)}.jpg`, contentType: 'image/jpeg', byteSize: 10 }] }, { token: owner });
    assert.equal(errorCode(res), 'BAD_USER_INPUT');
    assert.match(res.errors![0]!.message, /filename: must be 1 to 255 characters/);
    await healthy(server);
  });

  it('should accept exactly one upload per link: a replay after processing is refused and the original is unchanged', async () => {
    const { owner, eventId } = await newEvent(server);
    const [first, second] = await generatedPhotos(2, 300);
    const req = await server.gql(RequestPhotoUploadsDocument, { eventId, files: [{ filename: 'a.jpg', contentType: 'image/jpeg', byteSize: first!.length }] }, { token: owner });
    const target = req.data!.requestPhotoUploads[0]!;
    assert.equal((await uploadTo(target.upload, first!, 'image/jpeg')).status, 200);
    const racing = await uploadTo(target.upload, first!, 'image/jpeg');
    assert.equal(racing.status, 409, 'a second upload before completion is refused too');
    const [id] = await uploadPhotos(server, owner, eventId, [{ name: 'b.jpg', bytes: second! }]);
    await waitForPhoto(server, owner, id!);
    const replay = await uploadTo(target.upload, second!, 'image/jpeg');
    // The link of the first photo, still within its lifetime: the photo is not PENDING any more.
    assert.equal(replay.status, 409);
    assert.match(((await replay.json()) as { message: string }).message, /already been used/);
  });

  it('should not let an erased selfie be recreated through its old link, nor survive account deletion', async () => {
    const { code } = await newEvent(server);
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    const [selfie] = await generatedPhotos(1, 200);
    const req = await server.gql(RequestSelfieUploadDocument, { input: { filename: 'me.jpg', contentType: 'image/jpeg', byteSize: selfie!.length } }, { token: guest });
    const target = req.data!.requestSelfieUpload.upload;
    assert.equal((await server.gql(DeleteMyFaceDataDocument, {}, { token: guest })).data?.deleteMyFaceData, true);
    const late = await uploadTo(target, selfie!, 'image/jpeg');
    assert.equal(late.status, 409);
    const me = (await server.gql(MeDocument, {}, { token: guest })).data!.me!;
    assert.equal((await server.gql(DeleteAccountDocument, {}, { token: guest })).data?.deleteAccount, true);
    const left = await readdir(path.join(server.dataDir, 'objects', 'users'), { recursive: true }).catch(() => [] as string[]);
    assert.deepEqual(left.filter((f) => f.includes(me.id)), [], 'nothing of the account is left in the store');
  });

  it("should give guests originals without GPS or serial numbers, pixels untouched, unless the event opts in to untouched files", async () => {
    const { owner, eventId, code } = await newEvent(server);
    const [base] = await generatedPhotos(1, 640);
    const phone = await sharp(base!)
      .withMetadata({ orientation: 6 })
      .withExif({ IFD0: { Make: 'FindMeCam', Model: 'Pro' }, IFD2: { BodySerialNumber: 'SN-0042-SECRET' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' } })
      .jpeg({ quality: 90 })
      .toBuffer();
    assert.ok(phone.includes('SN-0042-SECRET'), 'the test photo carries a serial number');
    const [id] = await uploadPhotos(server, owner, eventId, [{ name: 'DSC_0001.jpg', bytes: phone }]);
    assert.equal((await waitForPhoto(server, owner, id!)).status, 'DONE');
    await server.gql(SetPhotoVisibilityDocument, { id: id!, showInGeneral: true }, { token: owner });
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    const download = async (token: string) => Buffer.from(await (await fetch((await server.gql(PhotoDocument, { id: id! }, { token })).data!.photo!.downloadUrl!)).arrayBuffer());

    assert.deepEqual(await download(owner), phone, "the owner's download is byte-exact");
    const forGuest = await download(guest);
    assert.ok(!forGuest.includes('SN-0042-SECRET') && !forGuest.includes('FindMeCam'), 'no serial number, no camera');
    const meta = await sharp(forGuest).metadata();
    assert.equal(meta.orientation, 6, 'still turned upright by viewers');
    assert.ok((meta.exif?.length ?? 0) < 64, `only the orientation is left (${meta.exif?.length} bytes of EXIF)`);
    assert.ok(!meta.exif?.includes(Buffer.from([0x88, 0x25])), 'no GPS directory');
    const [a, b] = await Promise.all([sharp(phone).raw().toBuffer(), sharp(forGuest).raw().toBuffer()]);
    assert.ok(a.equals(b), 'the same pixels: the compressed data was not touched');

    await server.gql(UpdateEventDocument, { id: eventId, input: { settings: { originalsPolicy: 'UNTOUCHED' } } }, { token: owner });
    assert.deepEqual(await download(guest), phone, 'opted in: guests get the file as uploaded');
  });

  it('should cut what a phone appends after the photo (MPF index, a second image with its own GPS) from guest originals and guest ZIPs', async () => {
    const { owner, eventId, code } = await newEvent(server);
    const [base, second] = await generatedPhotos(2, 480);
    // The primary image: progressive (several scans), with a serial number of its own.
    const primary = await sharp(base!).withExif({ IFD0: { Make: 'FindMeCam' }, IFD2: { BodySerialNumber: 'SN-PRIMARY-SECRET' } }).jpeg({ quality: 90, progressive: true }).toBuffer();
    // What phones append: an MPF index (APP2) in the primary, then a second JPEG with its own Exif and GPS.
    const appended = await sharp(second!)
      .withExif({ IFD2: { BodySerialNumber: 'SN-APPENDED-SECRET' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 7/1' } })
      .jpeg({ quality: 80 })
      .toBuffer();
    const mpfPayload = Buffer.concat([Buffer.from('MPF\0', 'latin1'), Buffer.from('MM\0\x2a\0\0\0\x08', 'latin1'), Buffer.alloc(40, 1)]);
    const mpf = Buffer.concat([Buffer.from([0xff, 0xe2, 0, 0]), mpfPayload]);
    mpf.writeUInt16BE(mpfPayload.length + 2, 2);
    const phone = Buffer.concat([primary.subarray(0, 2), mpf, primary.subarray(2), appended]);
    assert.ok(phone.includes('SN-APPENDED-SECRET') && phone.includes('MPF\0'), 'the test photo carries an appended image and an MPF index');

    const [id] = await uploadPhotos(server, owner, eventId, [{ name: 'PXL_0001.MP.jpg', bytes: phone }]);
    assert.equal((await waitForPhoto(server, owner, id!)).status, 'DONE');
    await server.gql(SetPhotoVisibilityDocument, { id: id!, showInGeneral: true }, { token: owner });
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    const original = Buffer.from(await (await fetch((await server.gql(PhotoDocument, { id: id! }, { token: guest })).data!.photo!.downloadUrl!)).arrayBuffer());
    const archive = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${guest}` },
      body: JSON.stringify({ query: `{ myPhotosArchive(eventId: "${eventId}") { url } }` }),
    });
    const zip = Buffer.from(await (await fetch(((await archive.json()) as { data: { myPhotosArchive: { url: string } } }).data.myPhotosArchive.url)).arrayBuffer());
    for (const [what, bytes] of [['guest original', original], ['guest ZIP', zip]] as const) {
      for (const secret of ['SN-APPENDED-SECRET', 'SN-PRIMARY-SECRET', 'FindMeCam', 'MPF\0']) assert.ok(!bytes.includes(secret), `${what}: ${JSON.stringify(secret)} is gone`);
    }
    assert.equal(original.subarray(-2).toString('hex'), 'ffd9', 'the file ends with the primary image');
    assert.equal(original.indexOf(Buffer.from([0xff, 0xd8]), 2), -1, 'no second image inside');
    const [a, b] = await Promise.all([sharp(primary).raw().toBuffer(), sharp(original).raw().toBuffer()]);
    assert.ok(a.equals(b), 'the primary image, pixel for pixel');
  });

  it('should hand out the same URLs within a window, with at least the configured lifetime left, and let browsers cache renditions', async () => {
    const { owner, eventId } = await newEvent(server);
    const [bytes] = await generatedPhotos(1, 300);
    const [id] = await uploadPhotos(server, owner, eventId, [{ name: 'cache.jpg', bytes: bytes! }]);
    await waitForPhoto(server, owner, id!);
    const asked = Date.now();
    const first = (await server.gql(PhotoDocument, { id: id! }, { token: owner })).data!.photo!;
    const second = (await server.gql(PhotoDocument, { id: id! }, { token: owner })).data!.photo!;
    assert.equal(second.thumbnailUrl, first.thumbnailUrl, 'the same URL: the browser cache can hit');
    assert.equal(second.downloadUrl, first.downloadUrl);
    const ttl = server.app.config.photos.downloadUrlTtlSeconds;
    const expires = new Date(first.urlsExpireAt as string).getTime();
    assert.ok(expires >= asked + ttl * 1000 - 1000, 'at least the configured lifetime is left');
    assert.ok(expires <= asked + ttl * 1000 + (ttl / 3) * 1000 + 1000, 'and at most one window more');
    assert.equal(Number(new URL(first.thumbnailUrl!).searchParams.get('expires')) * 1000, expires, 'urlsExpireAt says when the URLs expire');

    const thumb = await fetch(first.thumbnailUrl!);
    assert.equal(thumb.status, 200);
    assert.match(thumb.headers.get('cache-control')!, /^private, max-age=\d+, immutable$/);
    const etag = thumb.headers.get('etag')!;
    assert.ok(etag);
    const again = await fetch(first.thumbnailUrl!, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    const original = await fetch(first.downloadUrl!);
    assert.doesNotMatch(original.headers.get('cache-control')!, /immutable/, 'originals are not promised immutable');
  });

  it('should refuse a download link whose signature does not match, with 403 and no crash', async () => {
    const { owner, eventId } = await newEvent(server);
    const [bytes] = await generatedPhotos(1, 200);
    const [id] = await uploadPhotos(server, owner, eventId, [{ name: 'Фото.jpg', bytes: bytes! }]);
    await waitForPhoto(server, owner, id!);
    const url = new URL((await server.gql(PhotoDocument, { id: id! }, { token: owner })).data!.photo!.downloadUrl!);
    url.searchParams.set('filename', 'другое\r\n.jpg');
    assert.equal((await fetch(url)).status, 403);
    await healthy(server);
  });
});
