import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { SetPhotosVisibilityDocument } from './generated/graphql.js';
import { newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';

/**
 * The journey an integrator builds, run in Chromium from a page on another
 * origin than the API's, with the browser's own fetch and WebSocket: a
 * passwordless guest joins, sends a selfie and follows its rematch live, pages
 * the gallery, is told of a new photo, downloads the ZIP, renews the session
 * from its HttpOnly cookie, and leaves.
 */
describe('the guest journey from a browser on another origin', () => {
  let server: TestServer;
  let browser: Browser;
  let web: http.Server;
  let webOrigin: string;
  let event: { owner: string; eventId: string; code: string };
  let photoIds: string[];

  before(async () => {
    web = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Integrator app</title><p>app</p>'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webOrigin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    server = await startTestServer({ hasher: plainHasher, worker: true, env: { CORS_ORIGINS: webOrigin } });
    event = await newEvent(server, 'Garden wedding');
    photoIds = await uploadPhotos(server, event.owner, event.eventId, (await generatedPhotos(3, 400)).map((bytes, i) => ({ name: `g${i}.jpg`, bytes })));
    for (const id of photoIds) await waitForPhoto(server, event.owner, id);
    await server.gql(SetPhotosVisibilityDocument, { ids: [photoIds[0]!], showInGeneral: true }, { token: event.owner });
    browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await server.close();
    await new Promise((r) => web.close(r));
  });

  it('should run register, join, selfie with live progress, gallery, new-photo push, ZIP, refresh and leave with no server change', async () => {
    const page = await browser.newPage();
    await page.goto(webOrigin);
    // The test plays the pipeline finding the guest in a photo, when the page asks.
    await page.exposeFunction('findGuestInPhoto', async (userId: string) => {
      const photoId = photoIds[1]!;
      const [face] = await server.sql<{ id: string }>(
        `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, created_at) values (gen_random_uuid(), ?, 3, 0.1, 0.1, 0.2, 0.2, 0.99, now()) returning id`,
        [photoId],
      );
      await server.sql(`insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at) values (gen_random_uuid(), ?, ?, ?::uuid, ?, 80, 'INGEST', now())`, [photoId, userId, userId, face!.id]);
      await server.app.bus.publish('match.created', { eventId: event.eventId, photoId, userId, personId: userId });
      return photoId;
    });

    const result = await page.evaluate(
      async ({ api, code }) => {
        const log: string[] = [];
        let token = '';
        const gql = async (query: string, variables: Record<string, unknown> = {}) => {
          const res = await fetch(`${api}/graphql`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'content-type': 'application/json', 'x-findme-refresh': 'cookie', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify({ query, variables }),
          });
          const body = (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
          if (!body.data && !query.includes('myPhotos(eventId: $e) { totalCount }')) throw new Error(`${query.slice(0, 40)}: ${JSON.stringify(body.errors)}`);
          return body;
        };

        // graphql-ws, by hand: connection_init with the token, then subscribe.
        const socket = new WebSocket(`${api.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
        const messages: { rematch: any[]; newPhotos: any[] } = { rematch: [], newPhotos: [] };
        const opened = new Promise<void>((resolve) => (socket.onopen = () => resolve()));
        const acked = new Promise<void>((resolve) => {
          socket.onmessage = (e) => {
            const m = JSON.parse(e.data as string);
            if (m.type === 'connection_ack') resolve();
            if (m.type === 'next') messages[m.id as 'rematch' | 'newPhotos'].push(m.payload.data);
            if (m.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
          };
        });
        const waitFor = async (what: () => boolean, ms = 20_000) => {
          const end = Date.now() + ms;
          while (!what()) {
            if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(messages)}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        };

        const email = `journey.${Math.random().toString(36).slice(2)}@example.test`;
        const registered = await gql('mutation($i: RegisterInput!) { register(input: $i) { token refreshToken user { id } } }', {
          i: { email, displayName: 'Zoé', role: 'PARTICIPANT' },
        });
        token = registered.data.register.token;
        log.push(`registered without a password; refreshToken in body: ${registered.data.register.refreshToken}`);
        const userId = registered.data.register.user.id;

        await gql('query($c: String!) { eventByCode(code: $c) { name date photographerName } privacyPolicy { version consentText } }', { c: code });
        const joined = await gql('mutation($c: String!) { joinEvent(code: $c, consent: true) { status event { id } } }', { c: code });
        const eventId = joined.data.joinEvent.event.id;
        log.push(`joined: ${joined.data.joinEvent.status}`);

        await opened;
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
        await acked;
        socket.send(JSON.stringify({ id: 'rematch', type: 'subscribe', payload: { query: 'subscription { rematchProgress { job { id status processed total matched } } }' } }));
        socket.send(JSON.stringify({ id: 'newPhotos', type: 'subscribe', payload: { query: 'subscription($e: ID!) { myNewPhotos(eventId: $e) { id } }', variables: { e: eventId } } }));

        // A selfie made in the browser, sent straight to storage.
        // Runs in the page: the DOM is there (the test compiles without DOM types).
        const canvas = (globalThis as any).document.createElement('canvas');
        canvas.width = 320;
        canvas.height = 240;
        const ctx = canvas.getContext('2d');
        ctx.fillStyle = '#c96';
        ctx.fillRect(0, 0, 320, 240);
        const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b: Blob) => resolve(b), 'image/jpeg', 0.9));
        const target = await gql('mutation($i: UploadFileInput!) { requestSelfieUpload(input: $i) { id upload { url method headers { key value } } } }', {
          i: { filename: 'me.jpg', contentType: 'image/jpeg', byteSize: blob.size },
        });
        const upload = target.data.requestSelfieUpload.upload;
        const put = await fetch(upload.url, { method: upload.method, headers: Object.fromEntries(upload.headers.map((h: any) => [h.key, h.value])), body: blob });
        log.push(`selfie stored: ${put.status}`);
        const job = (await gql('mutation($id: ID!) { completeSelfieUpload(id: $id) { id } }', { id: target.data.requestSelfieUpload.id })).data.completeSelfieUpload;
        await waitFor(() => messages.rematch.some((m) => m.rematchProgress.job.id === job.id && ['DONE', 'VALIDATION_FAILED', 'FAILED'].includes(m.rematchProgress.job.status)));
        log.push(`rematch followed live: ${messages.rematch.map((m) => m.rematchProgress.job.status).join(' > ')}`);

        const gallery = await gql('query($e: ID!) { myPhotos(eventId: $e, first: 50) { totalCount edges { node { id thumbnailUrl } } } }', { e: eventId });
        const thumb = await fetch(gallery.data.myPhotos.edges[0].node.thumbnailUrl);
        log.push(`gallery: ${gallery.data.myPhotos.totalCount} photo(s); thumbnail ${thumb.status} ${thumb.headers.get('content-type')}`);

        const pushed = await (globalThis as any).findGuestInPhoto(userId);
        await waitFor(() => messages.newPhotos.some((m) => m.myNewPhotos.id === pushed));
        log.push('new photo pushed live');

        const archive = (await gql('query($e: ID!) { myPhotosArchive(eventId: $e) { url photoCount } }', { e: eventId })).data.myPhotosArchive;
        const zip = await fetch(archive.url);
        const bytes = new Uint8Array(await zip.arrayBuffer());
        log.push(`zip: ${zip.status} ${zip.headers.get('content-type')} ${archive.photoCount} photos, starts ${bytes[0]?.toString(16)}${bytes[1]?.toString(16)}`);

        token = '';
        const renewed = await gql('mutation { refreshSession { token refreshToken } }');
        token = renewed.data.refreshSession.token;
        const me = await gql('{ me { id } }');
        log.push(`session renewed from the cookie: ${me.data.me.id === userId} (refreshToken in body: ${renewed.data.refreshSession.refreshToken})`);

        const left = await gql('mutation($e: ID!) { leaveEvent(eventId: $e) }', { e: eventId });
        const after = await gql('query($e: ID!) { myPhotos(eventId: $e) { totalCount } }', { e: eventId });
        log.push(`left: ${left.data.leaveEvent === eventId}; gallery then: ${after.errors?.[0]?.extensions?.code}`);
        socket.close();
        return log;
      },
      { api: server.baseUrl, code: event.code },
    );
    assert.deepEqual(result, [
      'registered without a password; refreshToken in body: null',
      'joined: APPROVED',
      'selfie stored: 200',
      result[3],
      'gallery: 1 photo(s); thumbnail 200 image/webp',
      'new photo pushed live',
      'zip: 200 application/zip 2 photos, starts 504b',
      'session renewed from the cookie: true (refreshToken in body: null)',
      'left: true; gallery then: NOT_FOUND',
    ]);
    assert.match(result[3]!, /^rematch followed live: .*(DONE|VALIDATION_FAILED)$/);
    await page.close();
  });
});
