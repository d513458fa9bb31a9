import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page, type WebSocketRoute } from 'playwright-core';
import { RotateWallUrlDocument, SetPhotoVisibilityDocument, SetPhotosVisibilityDocument, UpdateEventDocument } from './generated/graphql.js';
import { newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';

/**
 * The wall on the venue's screen, in a real Chromium at another address than
 * the laptop's (the projector is another device): nothing but photos shown to
 * everyone, each new one without a reload, through a dropped socket, and a
 * bounded memory however many photos an evening brings.
 */
describe("the venue's wall in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let owner: string;
  let eventId: string;
  let wallUrl: string;
  let ids: string[];
  const problems: string[] = [];
  /** The page's sockets to the server, routed through the test so it can drop them. */
  const sockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, listenHost: '0.0.0.0' });
    browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    ({ owner, eventId } = await newEvent(server, 'Mariage Léa & Sam'));
    const on = await server.gql(UpdateEventDocument, { id: eventId, input: { settings: { wall: true } } }, { token: owner });
    wallUrl = on.data!.updateEvent.wallUrl!.replace('//127.0.0.1:', '//127.0.0.2:');
    const images = await generatedPhotos(5, 800);
    ids = await uploadPhotos(server, owner, eventId, ['shown.jpg', 'hidden.jpg', 'later.jpg', 'during-drop.jpg', 'after-drop.jpg'].map((name, i) => ({ name, bytes: images[i]! })));
    for (const id of ids) assert.equal((await waitForPhoto(server, owner, id)).status, 'DONE');
    await server.gql(SetPhotoVisibilityDocument, { id: ids[0]!, showInGeneral: true }, { token: owner });
  });
  after(async () => {
    await browser?.close();
    await server.close();
  });

  /** The wall as a projector's browser opens it, with every photo it ever puts up recorded. */
  async function openWall(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-GB' });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !/WebSocket|ERR_CONNECTION|socket/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    // Every photo the wall ever puts up, recorded in the page as it happens.
    await page.addInitScript(`
      window.wallSeen = [];
      new MutationObserver(() => {
        for (const img of document.querySelectorAll('img[data-photo-id]')) {
          const id = img.getAttribute('data-photo-id');
          if (!window.wallSeen.includes(id)) window.wallSeen.push(id);
        }
      }).observe(document, { subtree: true, childList: true, attributes: true });
    `);
    await page.routeWebSocket(/\/graphql$/, (ws) => {
      sockets.push({ page: ws, server: ws.connectToServer() });
    });
    await page.goto(wallUrl);
    return page;
  }

  const onScreen = (page: Page, id: string) => page.locator(`img.wall-photo[data-photo-id="${id}"]`).waitFor({ timeout: 20_000 });
  const until = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
    for (const deadline = Date.now() + timeoutMs; !(await check()); ) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const seen = (page: Page) => page.evaluate<string[]>('window.wallSeen');

  it('should show a photo shown to everyone, then each newly shown one without a reload, carry on after its socket drops, and never show a hidden photo', { timeout: 120_000 }, async () => {
    const page = await openWall();
    await onScreen(page, ids[0]!);
    // Full screen, no cursor, no controls: nothing to click or tab to.
    assert.equal(await page.evaluate<string>("getComputedStyle(document.querySelector('main.wall')).cursor"), 'none');
    assert.equal(await page.locator('button, a, input, select, [tabindex]').count(), 0);
    // The QR code in a corner invites guests to the event at the screen's own address.
    await page.getByRole('img', { name: /QR code: join Mariage Léa & Sam/ }).waitFor();
    const axe = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), []);
    const loaded = await page.evaluate<number>("(async () => { const img = document.querySelector('img.wall-photo'); await img.decode(); return img.naturalWidth; })()");
    assert.ok(loaded > 0, 'the photo loaded from the screen\'s address');

    // Shown to everyone while the wall runs: it comes up, no reload.
    await server.gql(SetPhotoVisibilityDocument, { id: ids[2]!, showInGeneral: true }, { token: owner });
    await onScreen(page, ids[2]!);

    // The venue's Wi-Fi drops the socket; a photo shown meanwhile still comes, and so does the next.
    const before = sockets.length;
    for (const s of sockets.splice(0)) {
      await s.server.close({ code: 1006 }).catch(() => undefined);
      await s.page.close({ code: 1001, reason: 'network drop' }).catch(() => undefined);
    }
    await server.gql(SetPhotoVisibilityDocument, { id: ids[3]!, showInGeneral: true }, { token: owner });
    await onScreen(page, ids[3]!);
    for (let i = 0; i < 100 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(sockets.length >= 1 && before >= 1, 'the wall opened a new socket by itself');
    await server.gql(SetPhotoVisibilityDocument, { id: ids[4]!, showInGeneral: true }, { token: owner });
    await onScreen(page, ids[4]!);

    // Hidden again: it leaves the wall.
    await server.gql(SetPhotoVisibilityDocument, { id: ids[4]!, showInGeneral: false }, { token: owner });
    await page.locator(`img[data-photo-id="${ids[4]}"]`).waitFor({ state: 'detached', timeout: 15_000 });
    const everShown = await seen(page);
    assert.ok(!everShown.includes(ids[1]!), 'the hidden photo was never on screen');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('should say so, in words, when the link is replaced, and hold at most 100 photos in memory however many arrive', { timeout: 180_000 }, async () => {
    const page = await openWall();
    await page.locator('img.wall-photo').waitFor();
    const cdp = await page.context().newCDPSession(page);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    // An evening of photos: 500 shown to everyone, in bursts of 100 (copies of one processed photo's files: the pipeline is tested elsewhere).
    const [template] = await server.sql<{ display_key: string; thumbnail_key: string; original_key: string }>('select display_key, thumbnail_key, original_key from photos where id = ?', [ids[0]]);
    const usage: number[] = [];
    for (let round = 0; round < 5; round++) {
      const batch: string[] = Array.from({ length: 100 }, () => randomUUID());
      await server.sql(
        `insert into photos (id, event_id, original_filename, content_type, byte_size, original_key, display_key, thumbnail_key, width, height, status, show_in_general, processed_at, created_at)
         select u, ?, 'evening.jpg', 'image/jpeg', 1000, ?, ?, ?, 800, 600, 'DONE', false, now(), now() from unnest(?::uuid[]) as u`,
        [eventId, template!.original_key, template!.display_key, template!.thumbnail_key, `{${batch.join(',')}}`],
      );
      await server.gql(SetPhotosVisibilityDocument, { ids: batch, showInGeneral: true }, { token: owner });
      // The burst comes up on screen at once, no reload.
      await until(async () => (await seen(page)).some((id) => batch.includes(id)), 30_000, `a photo of burst ${round + 1} on screen`);
      usage.push(await heap());
    }
    const held = Number(await page.locator('main.wall').getAttribute('data-photos'));
    assert.ok(held > 0 && held <= 100, `the wall holds ${held} photos`);
    assert.equal(await page.locator('img').count(), 1, 'one image on the page at a time');
    // Flat: the last burst costs no more than the first (within 1 MB of noise).
    assert.ok(usage[4]! - usage[0]! < 1_000_000, `JS heap after each burst of 100: ${usage.map((u) => `${(u / 1e6).toFixed(1)} MB`).join(', ')}`);

    // The photographer replaces the link: the screen says what happened instead of freezing on a photo.
    await server.gql(RotateWallUrlDocument, { eventId }, { token: owner });
    await page.getByText('This wall is off.').waitFor({ timeout: 15_000 });
    await page.getByText(/replaced its link/).waitFor();
    assert.equal(await page.locator('img.wall-photo').count(), 0);
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});
