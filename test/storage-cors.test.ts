import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PhotoDocument, RequestPhotoUploadsDocument } from './generated/graphql.js';
import { newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';

const APP = 'https://app.example.test';

/** A web app on another origin uploads straight to the local store and shows its images: CORS for CORS_ORIGINS only. */
describe('local store CORS', () => {
  let server: TestServer;
  let owner: string;
  let eventId: string;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, env: { CORS_ORIGINS: APP } });
    ({ owner, eventId } = await newEvent(server, 'Cors'));
  });
  after(() => server.close());

  it('should answer the preflight of an upload link and accept the PUT from an allowed origin only', async () => {
    const [bytes] = await generatedPhotos(1, 300);
    const res = await server.gql(
      RequestPhotoUploadsDocument,
      { eventId, files: [{ filename: 'a.jpg', contentType: 'image/jpeg', byteSize: bytes!.length }] },
      { token: owner },
    );
    const url = res.data!.requestPhotoUploads[0]!.upload.url;
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), APP);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PUT/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/);
    const evil = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' } });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);

    const put = await fetch(url, { method: 'PUT', headers: { origin: APP, 'content-type': 'image/jpeg' }, body: bytes });
    assert.equal(put.status, 200);
    assert.equal(put.headers.get('access-control-allow-origin'), APP);
  });

  it('should let an allowed origin read a thumbnail (with its ETag), and no other', async () => {
    const [id] = await uploadPhotos(server, owner, eventId, [{ name: 'b.jpg', bytes: (await generatedPhotos(1, 400))[0]! }]);
    await waitForPhoto(server, owner, id!);
    const photo = (await server.gql(PhotoDocument, { id: id! }, { token: owner })).data!.photo!;
    const ok = await fetch(photo.thumbnailUrl!, { headers: { origin: APP } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    assert.match(ok.headers.get('access-control-expose-headers') ?? '', /etag/i);
    const other = await fetch(photo.thumbnailUrl!, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null, 'the browser keeps the bytes from another site');
  });
});
