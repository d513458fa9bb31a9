import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import S3rver from 's3rver';
import sharp from 'sharp';
import { DriveStandIn } from './support/drive-stand-in.js';
import {
  ConnectDriveFolderDocument,
  DriveImportsDocument,
  CompletePhotoUploadsDocument,
  DeletePhotoDocument,
  PhotoDocument,
  RequestPhotoUploadsDocument,
} from './generated/graphql.js';
import { photoKeys } from '../src/domain/object-keys.js';
import { newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { devGroupPhoto, generatedPhotos } from './support/images.js';
import { uploadTo } from './support/upload.js';

describe('S3 object store (against s3rver)', () => {
  let s3: S3rver;
  let s3Port: number;
  let dir: string;
  let server: TestServer;
  let owner: string;
  let eventId: string;
  let drive: DriveStandIn;

  before(async () => {
    drive = await DriveStandIn.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'findme-s3rver-'));
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'findme-photos', configs: [] }] });
    const address = (await s3.run()) as unknown as AddressInfo;
    s3Port = address.port;
    // s3rver's fixed credentials; the SDK reads them from the environment like in production.
    process.env['AWS_ACCESS_KEY_ID'] = 'S3RVER';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'S3RVER';
    server = await startTestServer({
      hasher: plainHasher,
      worker: true,
      env: { PHOTO_BUCKET_NAME: 'findme-photos', S3_ENDPOINT: `http://127.0.0.1:${address.port}`, AWS_REGION: 'us-east-1', ...drive.env(), DRIVE_POLL_SECONDS: '1' },
    });
    assert.equal(server.app.store.driver, 's3', 'a bucket name selects the S3 store');
    ({ owner, eventId } = await newEvent(server, 'S3'));
  });
  after(async () => {
    await server.close();
    await drive.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should retry with backoff while the object store is unreachable mid-batch, then finish every photo', async () => {
    const bytes = await generatedPhotos(30, 1000);
    const ids = await uploadPhotos(server, owner, eventId, bytes.map((b, i) => ({ name: `s3-${i}.jpg`, bytes: b })));
    const status = async () => server.sql<{ status: string; n: number }>(`select status, count(*)::int as n from photos where id in (select unnest(?::uuid[])) group by status order by status`, [`{${ids.join(',')}}`]);
    const count = async (s: string) => (await status()).find((r) => r.status === s)?.n ?? 0;
    for (let i = 0; i < 400 && (await count('DONE')) < 3; i++) await new Promise((r) => setTimeout(r, 25));
    // Gone at once, open keep-alive sockets included (as when the store's host drops).
    const closing = s3.close();
    (s3 as unknown as { httpServer: import('node:http').Server }).httpServer.closeAllConnections();
    await closing;
    await new Promise((r) => setTimeout(r, 6000));
    const during = await count('DONE');
    assert.ok(during < 30, `the outage hit the batch (${during} done)`);
    s3 = new S3rver({ address: '127.0.0.1', port: s3Port, silent: true, directory: dir, configureBuckets: [{ name: 'findme-photos', configs: [] }] });
    await s3.run();
    for (let i = 0; i < 600 && (await count('DONE')) < 30; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await status(), [{ status: 'DONE', n: 30 }]);
    const retried = await server.sql<{ n: number }>(`select count(*)::int as n from photos where id in (select unnest(?::uuid[])) and attempts > 1`, [`{${ids.join(',')}}`]);
    assert.ok(retried[0]!.n > 0, 'photos hit by the outage were retried');
  });

  it('should upload with a presigned POST, process from S3 and serve presigned downloads', async () => {
    const bytes = await devGroupPhoto(5);
    const [t] = (await server.gql(RequestPhotoUploadsDocument, { eventId, files: [{ filename: 'bbt5.jpg', contentType: 'image/jpeg', byteSize: bytes.length }] }, { token: owner }))
      .data!.requestPhotoUploads;
    assert.equal(t!.upload.method, 'POST');
    const fields = Object.fromEntries(t!.upload.fields.map((f) => [f.key, f.value]));
    assert.equal(fields['Content-Type'], 'image/jpeg');
    assert.ok(fields['Policy'], 'a signed policy carries the conditions');
    const policy = JSON.parse(Buffer.from(fields['Policy']!, 'base64').toString()) as { conditions: unknown[] };
    assert.deepEqual(policy.conditions.find((c) => Array.isArray(c) && c[0] === 'content-length-range'), ['content-length-range', 1, bytes.length]);
    assert.deepEqual(policy.conditions.find((c) => Array.isArray(c) && c[0] === 'eq'), ['eq', '$Content-Type', 'image/jpeg']);

    const res = await uploadTo(t!.upload, bytes, 'image/jpeg');
    assert.ok(res.status === 204 || res.status === 200 || res.status === 201, `POST answered ${res.status}`);
    await server.gql(CompletePhotoUploadsDocument, { photoIds: [t!.photo.id] }, { token: owner });
    const photo = await waitForPhoto(server, owner, t!.photo.id);
    assert.equal(photo.status, 'DONE', photo.errorMessage ?? '');
    assert.match(photo.thumbnailUrl!, /X-Amz-Signature=/);
    const again = (await server.gql(PhotoDocument, { id: t!.photo.id }, { token: owner })).data!.photo!;
    assert.equal(again.thumbnailUrl, photo.thumbnailUrl, 'presigned URLs stay the same within a window');
    const thumb = await fetch(photo.thumbnailUrl!);
    assert.equal(thumb.status, 200);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    assert.equal(meta.format, 'webp');
    const original = await fetch(photo.downloadUrl!);
    assert.ok(Buffer.from(await original.arrayBuffer()).equals(bytes));
  });

  it('should catch what s3rver does not enforce: a file larger than announced fails with FILE_TOO_LARGE', async () => {
    const bytes = await devGroupPhoto(3);
    const [t] = (await server.gql(RequestPhotoUploadsDocument, { eventId, files: [{ filename: 'small.jpg', contentType: 'image/jpeg', byteSize: 1000 }] }, { token: owner }))
      .data!.requestPhotoUploads;
    await uploadTo(t!.upload, bytes, 'image/jpeg');
    const [done] = (await server.gql(CompletePhotoUploadsDocument, { photoIds: [t!.photo.id] }, { token: owner })).data!.completePhotoUploads;
    assert.equal(done!.status, 'FAILED');
    const photo = (await server.gql(PhotoDocument, { id: t!.photo.id }, { token: owner })).data!.photo!;
    assert.equal(photo.errorCode, 'FILE_TOO_LARGE');
  });

  it('should stream photos imported from Google Drive into the bucket, and process them from there', async () => {
    const { owner: photographer, eventId: driveEvent } = await newEvent(server, 'S3 Drive');
    const folder = drive.folder('To S3');
    const photos = await generatedPhotos(2, 900);
    drive.file(folder, 'one.jpg', photos[0]!);
    drive.file(folder, 'two.jpg', photos[1]!);
    assert.ok((await server.gql(ConnectDriveFolderDocument, { eventId: driveEvent, folderUrl: folder }, { token: photographer })).data);
    const deadline = Date.now() + 30_000;
    while ((await server.gql(DriveImportsDocument, { eventId: driveEvent }, { token: photographer })).data!.driveImports[0]!.filesImported < 2) {
      assert.ok(Date.now() < deadline, 'imported in time');
      await new Promise((r) => setTimeout(r, 200));
    }
    const rows = await server.sql<{ id: string; original_key: string; byte_size: number }>(`select id, original_key, byte_size from photos where event_id = ?`, [driveEvent]);
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.equal((await server.app.store.head(row.original_key))?.size, row.byte_size, 'the original is in the bucket, whole');
      assert.equal((await waitForPhoto(server, photographer, row.id)).status, 'DONE');
    }
  });

  it("should delete a photo's objects from the bucket", async () => {
    const list = await server.sql<{ id: string }>(`select id from photos where event_id = ? and status = 'DONE'`, [eventId]);
    const id = list[0]!.id;
    const keys = photoKeys(eventId, id);
    for (const key of Object.values(keys)) assert.ok(await server.app.store.head(key), `${key} exists before`);
    const res = await server.gql(DeletePhotoDocument, { id }, { token: owner });
    assert.equal(res.data?.deletePhoto, id);
    for (const key of Object.values(keys)) assert.equal(await server.app.store.head(key), null, `${key} is gone`);
  });

  it('should sweep a deleted photo again once its upload link expired, removing what a replayed presigned POST wrote', async () => {
    const [bytes] = await generatedPhotos(1, 400);
    const [t] = (await server.gql(RequestPhotoUploadsDocument, { eventId, files: [{ filename: 'late.jpg', contentType: 'image/jpeg', byteSize: bytes!.length }] }, { token: owner }))
      .data!.requestPhotoUploads;
    await uploadTo(t!.upload, bytes!, 'image/jpeg');
    await server.gql(CompletePhotoUploadsDocument, { photoIds: [t!.photo.id] }, { token: owner });
    assert.equal((await waitForPhoto(server, owner, t!.photo.id)).status, 'DONE');
    const purges = async () => server.sql<{ id: string; wait: number; data: string }>(`select id, extract(epoch from start_after - now())::int as wait, data::text from pgboss.job where name = 'storage-purge'`);
    const before = new Set((await purges()).map((j) => j.id));
    assert.equal((await server.gql(DeletePhotoDocument, { id: t!.photo.id }, { token: owner })).data?.deletePhoto, t!.photo.id);
    const keys = photoKeys(eventId, t!.photo.id);
    assert.equal(await server.app.store.head(keys.original), null);

    // S3 cannot make a presigned POST single-use: a replay within its lifetime writes the object back.
    await uploadTo(t!.upload, bytes!, 'image/jpeg');
    assert.ok(await server.app.store.head(keys.original), 'the replay wrote an object with no row');
    const job = (await purges()).find((j) => !before.has(j.id));
    assert.ok(job && !job.data.includes(t!.photo.id) && !job.data.includes(eventId), `the waiting job names no photo or event in the clear: ${JSON.stringify(job)} ${JSON.stringify(await purges())}`);
    const ttl = server.app.config.photos.uploadUrlTtlSeconds;
    assert.ok(job && job.wait > ttl && job.wait <= ttl + 60, `the second sweep waits for the link to expire (${job?.wait} s)`);

    // Let that time pass for the job.
    await server.sql(`update pgboss.job set start_after = now(), data = jsonb_set(data, '{notBefore}', '"2000-01-01T00:00:00.000Z"') where id = ?`, [job.id]);
    for (let i = 0; i < 100 && (await server.app.store.head(keys.original)); i++) await new Promise((r) => setTimeout(r, 100));
    const state = await server.sql('select state, output::text from pgboss.job where id = ?', [job.id]);
    assert.equal(await server.app.store.head(keys.original), null, `nothing written through the old link survives ${JSON.stringify(state)}`);
  });

  it('should print the bucket CORS rules for the web app origins, and apply them with findme s3 cors --apply', async () => {
    const bin = new URL('../../bin/findme.js', import.meta.url).pathname;
    const env = {
      PATH: process.env['PATH'] ?? '',
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      PHOTO_BUCKET_NAME: 'findme-photos',
      S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      PUBLIC_URL: 'https://photos.example.test',
      CORS_ORIGINS: 'https://app.example.test',
    };
    const preflight = (origin: string) =>
      fetch(`http://127.0.0.1:${s3Port}/findme-photos/events/x/photo.jpg`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    assert.equal((await preflight('https://app.example.test')).status, 403, 'no rules yet');

    const printed = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [bin, 's3', 'cors'], { env }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const rules = (JSON.parse(printed) as { CORSRules: { AllowedOrigins: string[]; AllowedMethods: string[] }[] }).CORSRules;
    assert.deepEqual(rules[0]!.AllowedOrigins, ['https://photos.example.test', 'https://app.example.test']);
    assert.ok(rules[0]!.AllowedMethods.includes('POST') && rules[0]!.AllowedMethods.includes('GET'));
    assert.equal((await preflight('https://app.example.test')).status, 403, 'printing changes nothing');

    await new Promise<void>((resolve, reject) => execFile(process.execPath, [bin, 's3', 'cors', '--apply'], { env }, (err) => (err ? reject(err) : resolve())));
    // s3rver answers a matched origin with `*` (S3 itself echoes the origin); an origin no rule lists is refused.
    for (const origin of ['https://photos.example.test', 'https://app.example.test']) {
      const answer = await preflight(origin);
      assert.equal(answer.status, 200, origin);
      assert.ok(answer.headers.get('access-control-allow-origin'));
      assert.match(answer.headers.get('access-control-allow-methods') ?? '', /POST/);
    }
    const evil = await preflight('https://evil.example');
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  it("should stream an event's ZIP from the bucket", async () => {
    const ids = await uploadPhotos(server, owner, eventId, (await generatedPhotos(3, 300)).map((bytes, i) => ({ name: `zip-${i}.jpg`, bytes })));
    for (const id of ids) await waitForPhoto(server, owner, id);
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
      body: JSON.stringify({ query: 'query($e: ID!) { eventArchive(eventId: $e) { url photoCount } }', variables: { e: eventId } }),
    });
    const { url, photoCount } = ((await res.json()) as { data: { eventArchive: { url: string; photoCount: number } } }).data.eventArchive;
    assert.ok(photoCount >= 3);
    const zip = Buffer.from(await (await fetch(url)).arrayBuffer());
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    assert.equal(zip.readUInt16LE(eocd + 10), photoCount, 'every DONE photo of the event, read from S3');
    for (const name of ['zip-0.jpg', 'zip-1.jpg', 'zip-2.jpg']) assert.ok(zip.includes(Buffer.from(name)), name);
  });
});
