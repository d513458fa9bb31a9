import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import yauzl from 'yauzl';
import { CreateEventDocument, MeDocument, MyPeopleDocument, MyPhotosDocument, PeoplePhotosDocument, RegisterDocument } from './generated/graphql.js';
import { uploadPhotos } from './support/flows.js';
import { DriveStandIn } from './support/drive-stand-in.js';
import { plainHasher, startTestServer, uniqueEmail, type TestServer } from './support/harness.js';
import { FACES, generatedPhotos } from './support/images.js';

/** Screenshots of the main screens, for people to look at (git-ignored, never asserted on). */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/web/', import.meta.url));
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP = { viewport: { width: 1280, height: 860 } };

/** Who is in each group photo of the dev set (test/fixtures/faces/manifest.json). */
async function labels(): Promise<Map<string, string[]>> {
  const manifest = JSON.parse(await readFile(new URL('manifest.json', FACES), 'utf8')) as { files: { kind: string; path: string; identities: string[] }[] };
  return new Map(manifest.files.filter((f) => f.kind === 'group').map((f) => [path.basename(f.path), f.identities]));
}

function zipNames(bytes: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names.sort()));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** The sign-in form, filled and sent as a person would. */
async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The signed-in page's bearer token, renewed from its HttpOnly cookie as the app does: for checking what the server says. */
async function sessionToken(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-findme-refresh': 'cookie' }, body: JSON.stringify({ query: 'mutation { refreshSession { token } }' }) });
    return ((await res.json()) as { data: { refreshSession: { token: string } } }).data.refreshSession.token;
  });
}

/**
 * The web app in a real Chromium against a real server (embedded PostgreSQL,
 * local store, the local face model on the dev photos): a photographer on a
 * desktop, a guest on a phone, every page checked by axe.
 */
describe('the web app in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let folder: string;
  let later: string;
  const consoleErrors: string[] = [];
  const axeFindings: string[] = [];
  const who = new Map<string, string[]>();
  let code = '';
  const studioEmail = uniqueEmail('studio');
  /** Google Drive, stood in for locally. */
  let drive: DriveStandIn;

  /**
   * A browser. Phones reach the server as guests at a venue do, at another
   * address than the photographer's laptop (127.0.0.2 stands for its Wi-Fi
   * address: nothing is configured, and every URL must work from there).
   */
  async function context(options: typeof PHONE | typeof DESKTOP, at: 'laptop' | 'network' = options === PHONE ? 'network' : 'laptop'): Promise<BrowserContext> {
    const baseURL = at === 'network' ? server.baseUrl.replace('//localhost:', '//127.0.0.2:') : server.baseUrl;
    const ctx = await browser.newContext({ ...options, baseURL, acceptDownloads: true, locale: 'en-GB' });
    ctx.on('page', (page) => watch(page));
    return ctx;
  }

  const pages = new Set<Page>();

  /**
   * A browser test whose failure also says what each open page showed: a CI
   * log then tells a missing sentence from an error shown in its place.
   */
  function journey(name: string, options: { timeout?: number }, body: () => Promise<void>): void {
    it(name, options, async () => {
      try {
        await body();
      } catch (err) {
        const shown = await Promise.all([...pages].map(async (p) => `${p.url()}:\n${await p.locator('body').innerText({ timeout: 2000 }).catch(() => '(unreadable)')}`));
        if (err instanceof Error) err.message += `\n--- open pages ---\n${shown.join('\n---\n')}`;
        throw err;
      }
    });
  }

  function watch(page: Page): void {
    pages.add(page);
    page.on('close', () => pages.delete(page));
    page.on('console', (m) => {
      // The browser's own line for a request made while the test holds the network down is expected.
      if (m.type() === 'error' && !m.text().includes('net::ERR_INTERNET_DISCONNECTED')) consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  }

  /** axe-core on the page as it stands: serious and critical violations are collected by page. */
  async function audit(page: Page, name: string): Promise<void> {
    const result = await new AxeBuilder({ page }).analyze();
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') axeFindings.push(`${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }
    // Phone first: nothing wider than the screen (no sideways scrolling at 360 px).
    const width = await page.evaluate<number[]>('[document.documentElement.scrollWidth, window.innerWidth]');
    if (width[0]! > width[1]!) axeFindings.push(`${name}: the page is ${width[0]} px wide in a ${width[1]} px window`);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** Every image of the page really arrived (its URL works from the page's address), once each has finished loading. */
  async function everyImageLoaded(page: Page, where: string): Promise<void> {
    type Img = { decode(): Promise<void>; naturalWidth: number; currentSrc: string; src: string };
    const images = await page.locator('img').evaluateAll(async (elements) => {
      const imgs = elements as unknown as Img[];
      await Promise.all(imgs.map((img) => img.decode().catch(() => undefined)));
      return imgs.map((img) => ({ src: img.currentSrc || img.src, width: img.naturalWidth }));
    });
    assert.ok(images.length > 0, `${where}: images are shown`);
    const broken = images.filter((i) => i.width === 0).map((i) => i.src);
    assert.deepEqual(broken, [], `${where}: every image loaded`);
    const origin = new URL(page.url()).origin;
    for (const i of images) if (!i.src.startsWith('data:')) assert.equal(new URL(i.src).origin, origin, `${where}: ${i.src} is served at the page's own address`);
  }

  /** Each journey ends with no serious axe finding and nothing in the console. */
  function assertClean(): void {
    assert.deepEqual(axeFindings.splice(0), [], 'no serious or critical axe violations');
    assert.deepEqual(consoleErrors.splice(0), [], 'no console errors');
  }

  before(async () => {
    // Listening on every interface, as `npm start` does: phones come in at another address than localhost.
    drive = await DriveStandIn.start();
    server = await startTestServer({ hasher: plainHasher, worker: true, listenHost: '0.0.0.0', env: { FACE_RECOGNIZER_PROVIDER: 'local', FACE_WORKER_THREADS: '2', ...drive.env(), DRIVE_POLL_SECONDS: '1' } });
    assert.match(server.baseUrl, /^http:\/\/localhost:\d+$/);
    browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
    await mkdir(ARTIFACTS, { recursive: true });
    // The photographer's folder: four of the dev group photos (and a stray non-photo); the fifth comes later.
    const root = await mkdtemp(path.join(os.tmpdir(), 'findme-web-'));
    folder = path.join(root, 'wedding');
    await mkdir(folder);
    for (const n of [1, 2, 3, 4]) await copyFile(new URL(`groups/bbt${n}.jpg`, FACES), path.join(folder, `bbt${n}.jpg`));
    await writeFile(path.join(folder, 'notes.txt'), 'not a photo');
    await writeFile(path.join(folder, 'broken.jpg'), 'a text file named like a photo');
    later = path.join(root, 'bbt5.jpg');
    await copyFile(new URL('groups/bbt5.jpg', FACES), later);
    for (const [file, ids] of await labels()) who.set(file, ids);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await drive?.close();
    if (folder) await rm(path.dirname(folder), { recursive: true, force: true });
  });

  it('should serve the app with history fallback, immutable hashed assets and a strict CSP', async () => {
    const page = await fetch(`${server.baseUrl}/e/ANY-CODE`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    // The store is named where thumbnails and uploads go: here the local store at this machine's
    // link address (its network address; each page's own address is 'self').
    const store = server.app.linkBase();
    assert.ok(csp.includes(`img-src 'self' blob: data: ${store};`), csp);
    assert.ok(csp.includes(`connect-src 'self' ${store};`), csp);
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'index.html loads a hashed script');
    const asset = await fetch(`${server.baseUrl}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
    assert.equal((await fetch(`${server.baseUrl}/assets/missing-123.js`)).status, 404);
    // The API and its own pages are not swallowed by the fallback.
    assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200);
    assert.match((await (await fetch(`${server.baseUrl}/sign-in`, { headers: { accept: 'text/html' } })).text()), /This sign-in link does not work/);
  });

  journey('should take a photographer and a guest through their journeys, live, accessible at every step', { timeout: 240_000 }, async () => {
    // Photographer, desktop: sign up, create an event, upload a folder, watch it process.
    const desk = await context(DESKTOP);
    const studio = await desk.newPage();
    await studio.goto('/');
    await audit(studio, 'home-desktop');
    await studio.getByRole('link', { name: 'Create a photographer account' }).click();
    await studio.getByLabel('Your name or studio').fill('Lumière Studio');
    await studio.getByLabel('Email').fill(studioEmail);
    await studio.getByLabel('Password').fill('a long enough password');
    await audit(studio, 'signup');
    await studio.getByRole('button', { name: 'Create my account' }).click();
    await studio.getByRole('heading', { name: 'My events' }).waitFor();
    await audit(studio, 'events-empty');
    await studio.getByLabel('Event name').fill('Priya & Raj');
    await studio.getByRole('button', { name: 'Create the event' }).click();
    await studio.getByRole('heading', { name: 'Priya & Raj' }).waitFor();
    code = (await studio.locator('.event-head code').textContent())!.trim();
    // Opened as localhost, the QR code would send phones to themselves: the page says so and offers this machine's network addresses.
    const reach = studio.getByRole('note');
    await reach.getByText(/only works on this computer, not on guests' phones/).waitFor();
    const offered = await reach.getByRole('link').evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    for (const href of offered) assert.match(href, /^http:\/\/\d+\.\d+\.\d+\.\d+:\d+\/events\/[0-9a-f-]+$/);
    // The connection drops as the upload starts: the files wait, then go when it is back.
    await desk.setOffline(true);
    await studio.getByLabel('Choose a folder').setInputFiles(folder);
    await studio.getByText('1 file is not a photo FindMe reads').waitFor();
    await studio.getByText('You are offline.').waitFor();
    await studio.getByText(/ [1-9]\d* waiting for the connection/).waitFor();
    await desk.setOffline(false);
    // Every photo reaches DONE live: the grid and the counts follow the socket, no reload.
    await studio.getByText('5 of 5 photos processed').waitFor({ timeout: 120_000 });
    await studio.locator('.tile[data-status="DONE"]').nth(3).waitFor();
    assert.equal(await studio.locator('.tile[data-status="DONE"]').count(), 4);
    // The file that is not an image failed with a sentence, and can be tried again.
    const broken = studio.locator('.tile[data-status="FAILED"]');
    await broken.getByText(/not a JPEG, PNG or WebP image/).waitFor();
    await studio.getByText('1 failed: its message and a retry button are in the grid').waitFor();
    await broken.getByRole('button', { name: 'Retry broken.jpg' }).click();
    await studio.locator('.tile[data-status="FAILED"]').getByText(/not a JPEG, PNG or WebP image/).waitFor({ timeout: 30_000 });
    // No guest yet: every face found is nobody's, and each photo is offered to everyone.
    await studio.getByTestId('coverage').getByText(/^\d+ faces found · 0 matched to a guest \(0 %\)$/).waitFor();
    await studio.getByText('4 photos with no guest found:').waitFor();
    await studio.getByRole('button', { name: 'Show these 4 photos to everyone' }).waitFor();
    await audit(studio, 'event-processed');
    // The same folder again (as after a reload): every photo is recognised by its hash and skipped.
    await studio.getByLabel('Choose a folder').setInputFiles(folder);
    await studio.getByText('0 sent, 5 already there').waitFor();
    assert.equal(await studio.locator('.tile').count(), 5, 'nothing was uploaded twice');
    await studio.getByRole('link', { name: 'Printable card' }).first().click();
    await studio.getByRole('img', { name: 'QR code to join Priya & Raj' }).waitFor();
    await audit(studio, 'print-card');
    await studio.goBack();

    // Guest, phone: the QR code's link, join, selfie, live search, gallery.
    const phone = await context(PHONE);
    const guest = await phone.newPage();
    await guest.goto(`/e/${code}`);
    await guest.getByRole('heading', { name: 'Priya & Raj' }).waitFor();
    await audit(guest, 'join-phone');
    await guest.getByLabel('Your name').fill('Raj');
    await guest.getByLabel('Your email').fill(uniqueEmail('raj'));
    await guest.getByRole('button', { name: 'Join and find my photos' }).click();
    // Consent is explicit: without the box ticked, nothing is sent.
    assert.equal(new URL(guest.url()).pathname, `/e/${code}`);
    await guest.getByLabel(/I agree that FindMe compares my selfie/).check();
    await guest.getByRole('button', { name: 'Join and find my photos' }).click();
    await guest.getByRole('heading', { name: 'Your selfie' }).waitFor();
    await audit(guest, 'selfie-phone');
    const picker = guest.locator('input[type=file][capture=user]');
    assert.equal(await picker.count(), 1, 'phones open the front camera');
    await picker.setInputFiles(fileURLToPath(new URL('identities/raj/5.png', FACES)));
    await guest.waitForURL(/\/my\/[0-9a-f-]+/, { timeout: 60_000 });
    const eventId = /\/my\/([0-9a-f-]+)/.exec(guest.url())![1]!;
    await guest.getByText(/We found you in \d+ photos?/).waitFor();
    assert.equal(new URL(guest.url()).host, new URL(server.baseUrl.replace('//localhost:', '//127.0.0.2:')).host, 'the phone is at the network address');

    // Exactly the photos the server matched, each really showing the guest.
    const token = await sessionToken(guest);
    const matched = async () =>
      (await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token })).data!.myPhotos.edges.map((e) => e.node.originalFilename).sort();
    const shown = async () => (await guest.locator('.grid .thumb').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')!.replace(/^Open /, '')))).sort();
    const first = await matched();
    assert.ok(first.length >= 2, `found in ${first.join(', ')}`);
    for (const name of first) assert.ok(who.get(name)?.includes('raj'), `${name} shows raj`);
    await guest.locator('.grid .thumb').nth(first.length - 1).waitFor();
    assert.deepEqual(await shown(), first);
    await everyImageLoaded(guest, 'gallery at the network address');
    // The search's own finds are its summary, not "new photo" news.
    assert.equal(await guest.getByText('A new photo of you just arrived.').count(), 0);
    await audit(guest, 'gallery-phone');
    // Offline is said, and goes away with the connection.
    await phone.setOffline(true);
    await guest.getByText('You are offline.').waitFor();
    await phone.setOffline(false);
    await guest.getByText('You are offline.').waitFor({ state: 'hidden' });

    // A new photo of the guest arrives live, without a reload.
    await studio.getByLabel('Choose photos').setInputFiles(later);
    await studio.getByText('6 of 6 photos processed').waitFor({ timeout: 60_000 });
    const withNew = await matched();
    assert.ok(withNew.includes('bbt5.jpg'), `bbt5.jpg (raj is in it) was matched: ${withNew.join(', ')}`);
    await guest.getByText('A new photo of you just arrived.').waitFor({ timeout: 20_000 });
    await guest.locator('.grid .thumb').nth(withNew.length - 1).waitFor();
    assert.deepEqual(await shown(), withNew);

    // The lightbox: keyboard, then "not me" hides the photo.
    await guest.locator('.grid .thumb').first().click();
    const dialog = guest.getByRole('dialog');
    await dialog.waitFor();
    await everyImageLoaded(guest, 'lightbox at the network address');
    await audit(guest, 'lightbox-phone');
    await guest.keyboard.press('ArrowRight');
    await dialog.getByText(`2 / ${withNew.length}`).waitFor();
    const rejected = (await dialog.locator('img').getAttribute('alt'))!;
    await dialog.getByRole('button', { name: 'Not me' }).click();
    await guest.locator(`.grid .thumb[aria-label="Open ${rejected}"]`).waitFor({ state: 'detached' });
    await guest.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const kept = withNew.filter((n) => n !== rejected);
    assert.deepEqual(await shown(), kept);
    assert.deepEqual(await matched(), kept, 'the server forgot the match too');

    // The ZIP holds exactly those photos.
    const [zip] = await Promise.all([guest.waitForEvent('download', { timeout: 30_000 }), guest.getByRole('button', { name: 'Download all (ZIP)' }).click()]);
    const names = await zipNames(await readFile((await zip.path())!));
    assert.deepEqual(names.map((n) => path.basename(n)).sort(), kept);

    // Deleting face data empties the gallery.
    await guest.getByRole('link', { name: 'Privacy' }).click();
    await guest.getByRole('heading', { name: 'Your privacy' }).waitFor();
    await audit(guest, 'privacy-phone');
    await guest.getByRole('button', { name: 'Erase my face data in this event' }).click();
    await guest.getByRole('button', { name: 'Yes, erase it in this event' }).click();
    await guest.getByText('Your face data in this event is erased.').waitFor();
    await guest.getByRole('link', { name: /Back to Priya & Raj/ }).click();
    await guest.getByText('Face matching is off for you in this event.').waitFor();
    assert.equal(await guest.locator('.grid .thumb').count(), 0);
    assert.deepEqual(await matched(), []);
    await audit(guest, 'gallery-erased-phone');

    // The photographer shows every processed photo to all guests: they get their own tab.
    await studio.getByRole('button', { name: 'Select all processed' }).click();
    await studio.getByRole('button', { name: 'Show 5 to everyone' }).click();
    await studio.locator('.tile .badge.shown').nth(4).waitFor();
    await guest.reload();
    await guest.getByRole('tab', { name: 'Everyone (5)' }).click();
    await guest.locator('.grid .thumb').nth(4).waitFor();
    assert.equal(await guest.locator('.grid .thumb').count(), 5);
    await audit(guest, 'gallery-everyone-phone');

    // The event's ZIP holds every processed photo as uploaded.
    const [eventZip] = await Promise.all([studio.waitForEvent('download', { timeout: 30_000 }), studio.getByRole('button', { name: 'Download the event (ZIP)' }).click()]);
    assert.deepEqual((await zipNames(await readFile((await eventZip.path())!))).map((n) => path.basename(n)).sort(), ['bbt1.jpg', 'bbt2.jpg', 'bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg']);

    // The photographer sees the guest; French is one choice away.
    await studio.reload();
    await studio.getByText('Raj').first().waitFor();
    await studio.getByLabel('Language').selectOption('fr');
    await studio.getByRole('heading', { name: 'Traitement' }).waitFor();
    await audit(studio, 'event-fr');
    await desk.close();
    await phone.close();
    assertClean();
  });

  journey('should work where the page is no secure context (plain http at a network address): files hashed without Web Crypto, a selfie without the camera API', {}, async () => {
    assert.ok(code, 'the journey above created the event');
    // What a browser takes away on plain http at a network address (Chromium still counts 127.0.0.2 as secure).
    const insecure = "Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined, configurable: true }); delete Navigator.prototype.mediaDevices;";
    const desk = await context(DESKTOP, 'network');
    await desk.addInitScript({ content: insecure });
    const studio = await desk.newPage();
    await studio.goto('/login');
    assert.equal(await studio.evaluate('typeof crypto.subtle + "/" + typeof navigator.mediaDevices'), 'undefined/undefined');
    await signIn(studio, studioEmail, 'a long enough password');
    await studio.getByRole('link', { name: 'Priya & Raj' }).first().click();
    // The QR code and the card point at the address the page was opened at.
    await studio.getByRole('link', { name: `${new URL(studio.url()).origin}/e/${code}` }).waitFor();
    // A photo the event has (its hash, made by Web Crypto in the first journey, is found again), and a new one.
    await studio.getByLabel('Choose photos').setInputFiles(later);
    await studio.getByText(/0 sent, 1 already there/).waitFor();
    const fresh = path.join(path.dirname(folder), 'penny-portrait.png');
    await copyFile(new URL('identities/penny/1.png', FACES), fresh);
    await studio.getByLabel('Choose photos').setInputFiles(fresh);
    await studio.getByText(/1 sent, 0 already there/).waitFor({ timeout: 30_000 });
    const [stored] = await server.sql<{ content_sha256: string }>(`select content_sha256 from photos where original_filename = 'penny-portrait.png'`);
    assert.equal(stored?.content_sha256, createHash('sha256').update(await readFile(fresh)).digest('hex'), 'the JavaScript hash is the file\'s SHA-256');

    // A guest on a laptop at the same address: no camera API, so the file picker, and the selfie goes through.
    const other = await context(DESKTOP, 'network');
    await other.addInitScript({ content: insecure });
    const guest = await other.newPage();
    await guest.goto(`/e/${code}`);
    await guest.getByLabel('Your name').fill('Stuart');
    await guest.getByLabel('Your email').fill(uniqueEmail('stuart'));
    await guest.getByLabel(/I agree that FindMe compares my selfie/).check();
    await guest.getByRole('button', { name: 'Join and find my photos' }).click();
    await guest.getByRole('heading', { name: 'Your selfie' }).waitFor();
    assert.equal(await guest.getByRole('button', { name: 'Use my camera' }).count(), 0, 'no live preview without the camera API');
    await guest.locator('input[type=file]').setInputFiles(fileURLToPath(new URL('identities/raj/5.png', FACES)));
    await guest.waitForURL(/\/my\/[0-9a-f-]+/, { timeout: 60_000 });
    await everyImageLoaded(guest, 'gallery without a secure context');
    await desk.close();
    await other.close();
    assertClean();
  });

  journey('should take a selfie from the desktop camera preview, and say why the server refused it', {}, async () => {
    assert.ok(code, 'the journey above created the event');
    const desk = await context(DESKTOP);
    await desk.grantPermissions(['camera']);
    const page = await desk.newPage();
    await page.goto(`/e/${code.toLowerCase().replace('-', '')}`);
    await page.getByLabel('Your name').fill('Penny');
    await page.getByLabel('Your email').fill(uniqueEmail('penny'));
    await page.getByLabel(/I agree that FindMe compares my selfie/).check();
    await page.getByRole('button', { name: 'Join and find my photos' }).click();
    assert.equal(await page.locator('input[type=file][capture]').count(), 0, 'desktops get a preview and a file picker, not the capture hint');
    await page.getByRole('button', { name: 'Use my camera' }).click();
    await page.getByLabel('Camera preview').waitFor();
    // A function, not a string: the app's CSP forbids eval, test helpers included.
    await page.waitForFunction(() => ((globalThis as any).document.querySelector('video')?.videoWidth ?? 0) > 0);
    await audit(page, 'selfie-camera-desktop');
    await page.getByRole('button', { name: 'Take the photo' }).click();
    // Chromium's fake camera films no face: the server's own sentence, next to the selfie.
    const refusal = page.getByRole('alert');
    await refusal.waitFor({ timeout: 30_000 });
    assert.match((await refusal.textContent())!, /face/i);
    assert.doesNotMatch((await refusal.textContent())!, /VALIDATION_FAILED|NO_FACE/);
    await page.getByLabel('Choose a photo of me').setInputFiles(fileURLToPath(new URL('identities/penny/1.png', FACES)));
    await page.waitForURL(/\/my\//, { timeout: 60_000 });
    await page.getByText(/We found you in \d+ photos?/).waitFor();
    await audit(page, 'gallery-desktop');
    await desk.close();
    assertClean();
  });

  journey('should let a photographer on a phone require approval, and a guest wait for it', {}, async () => {
    assert.ok(code, 'the journey above created the event');
    const phone = await context(PHONE);
    const studio = await phone.newPage();
    await studio.goto('/login');
    await signIn(studio, studioEmail, 'a long enough password');
    await studio.getByRole('heading', { name: 'My events' }).waitFor();
    await audit(studio, 'events-phone');
    await studio.getByRole('link', { name: 'Priya & Raj' }).click();
    await studio.getByRole('heading', { name: 'Processing' }).waitFor();
    await studio.getByLabel('I approve each guest before they see photos').check();
    await studio.getByLabel("A wall for the venue's screen").check();
    await studio.getByRole('button', { name: 'Save the settings' }).click();
    await studio.getByText('Saved.').waitFor();
    await audit(studio, 'event-phone');
    // The wall's link names the address this page was opened at; the venue's screen opens it without signing in.
    const wallLink = await studio.getByRole('region', { name: 'The wall' }).getByRole('link', { name: /\/wall\// }).getAttribute('href');
    assert.match(wallLink ?? '', /^http:\/\/127\.0\.0\.2:\d+\/wall\/[\w-]{24}$/);
    const projector = await context(DESKTOP);
    const screen = await projector.newPage();
    await screen.goto(wallLink!);
    await screen.getByRole('main', { name: 'Wall of Priya & Raj' }).waitFor();
    await screen.locator('img.wall-photo').or(screen.getByText('Photos appear here as the photographer shares them.')).first().waitFor();
    await audit(screen, 'wall');
    await projector.close();

    const guestPhone = await context(PHONE);
    const guest = await guestPhone.newPage();
    await guest.goto(`/e/${code}`);
    await guest.getByLabel('Your name').fill('Howard');
    await guest.getByLabel('Your email').fill(uniqueEmail('howard'));
    await guest.getByLabel(/I agree that FindMe compares my selfie/).check();
    await guest.getByRole('button', { name: 'Join and find my photos' }).click();
    await guest.getByRole('heading', { name: 'Your selfie' }).waitFor();
    const eventPath = `/my/${new URL(guest.url()).searchParams.get('event')}`;
    await guest.goto(eventPath);
    await guest.getByRole('heading', { name: 'Waiting for the photographer' }).waitFor();
    await audit(guest, 'gallery-pending-phone');

    await studio.reload();
    await studio.getByRole('button', { name: 'Approve Howard' }).click();
    await studio.getByRole('button', { name: 'Approve Howard' }).waitFor({ state: 'detached' });
    await guest.reload();
    await guest.getByRole('tab', { name: 'Everyone (5)' }).waitFor();
    await guest.getByRole('heading', { name: 'Take a selfie to find your photos' }).waitFor();
    await guestPhone.close();
    await phone.close();
    assertClean();
  });

  journey('should show an admin the status page, and errors as sentences next to their form', {}, async () => {
    const desk = await context(DESKTOP);
    const page = await desk.newPage();
    // A refused selfie, a wrong password and an unknown code, each said in words.
    await page.goto('/login');
    await signIn(page, 'nobody@example.test', 'wrong password!');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.doesNotMatch((await alert.textContent())!, /UNAUTHENTICATED|BAD_USER_INPUT|^[A-Z_]+$/);
    await audit(page, 'login-error');
    await page.goto('/e/NOPE-NOPE');
    await page.getByRole('heading', { name: 'We do not know this code' }).waitFor();
    await audit(page, 'join-unknown');

    // The operator appointed themself from the server's shell (`findme admin create`), then signs in.
    await server.app.services(server.app.db.orm.em.fork()).accounts.createAdmin('admin@example.test', 'an admin password', 'Operator');
    await page.goto('/login');
    await signIn(page, 'admin@example.test', 'an admin password');
    await page.getByRole('link', { name: 'Status' }).click();
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    await page.getByText('postgres', { exact: true }).first().waitFor();
    await audit(page, 'admin');
    await desk.close();
    assertClean();
  });


  journey('should resume an upload after a reload, take dropped files, page a big gallery, and let each person take back their data', { timeout: 150_000 }, async () => {
    // A photographer with an event made through the API; the rest happens in the browser.
    const email = uniqueEmail('gala');
    const owner = (await server.gql(RegisterDocument, { input: { email, password: 'a long enough password', displayName: 'Gala Studio', role: 'PHOTOGRAPHER' } })).data!.register.token;
    const created = (await server.gql(CreateEventDocument, { input: { name: 'Gala 2026', date: '2026-09-12' } }, { token: owner })).data!.createEvent;
    const photos = await generatedPhotos(35, 480);
    const gala = await mkdtemp(path.join(os.tmpdir(), 'findme-gala-'));
    for (const n of [0, 1, 2]) await writeFile(path.join(gala, `gala-${n}.jpg`), photos[n]!);

    const desk = await context(DESKTOP);
    const studio = await desk.newPage();
    await studio.goto('/login');
    await signIn(studio, email, 'a long enough password');
    await studio.getByRole('link', { name: 'Gala 2026' }).click();
    await studio.getByRole('heading', { name: 'Processing' }).waitFor();

    // The storage never answers: the page is reloaded with every file still on its way.
    const hold = (route: Route) => (route.request().method() === 'PUT' ? undefined : route.fallback());
    await studio.route('**/storage/**', hold);
    await studio.getByLabel('Choose a folder').setInputFiles(gala);
    await studio.getByText(/0 sent, 0 already there, 3 sending/).waitFor();
    studio.on('dialog', (d) => void d.accept());
    await studio.reload();
    await studio.unroute('**/storage/**', hold);
    await studio.getByText('3 photos of your last upload did not finish.', { exact: false }).waitFor();
    // The same folder again: the three photos requested before get new links (no duplicate), and go.
    await studio.getByLabel('Choose a folder').setInputFiles(gala);
    await studio.getByText('3 of 3 photos processed').waitFor({ timeout: 60_000 });
    assert.equal(await studio.locator('.tile').count(), 3, 'the resumed photos were not added twice');

    // A file dropped on the drop zone.
    const dropped = await studio.evaluateHandle((base64: string) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const page = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: typeof File };
      const transfer = new page.DataTransfer();
      transfer.items.add(new page.File([bytes], 'dropped.jpg', { type: 'image/jpeg' }));
      return transfer;
    }, photos[3]!.toString('base64'));
    await studio.getByText('Drop photos or whole folders here.', { exact: false }).dispatchEvent('drop', { dataTransfer: dropped });
    await studio.getByText('4 of 4 photos processed').waitFor({ timeout: 60_000 });

    // More photos than one gallery page, all shown to everyone.
    await uploadPhotos(server, owner, created.id, photos.slice(4).map((bytes, i) => ({ name: `more-${String(i).padStart(2, '0')}.jpg`, bytes })));
    await studio.getByText('35 of 35 photos processed').waitFor({ timeout: 90_000 });
    // The counts come live; the grid reads its page again a moment later (all 35 can be done by then).
    await studio.locator('.tile[data-status="DONE"]').nth(34).waitFor();
    await studio.getByRole('button', { name: 'Select all processed' }).click();
    await studio.getByRole('button', { name: 'Show 35 to everyone' }).click();
    await studio.locator('.tile .badge.shown').nth(34).waitFor();

    // A guest whose phone speaks French, and whose browser can share files.
    const phone = await browser.newContext({ ...PHONE, baseURL: server.baseUrl, acceptDownloads: true, locale: 'fr-FR' });
    phone.on('page', (page) => watch(page));
    await phone.addInitScript(() => {
      const shared: string[] = [];
      Object.assign(globalThis, { shared });
      const nav = (globalThis as unknown as { navigator: object }).navigator;
      Object.defineProperty(nav, 'canShare', { value: () => true });
      Object.defineProperty(nav, 'share', { value: async (data: { files?: { name: string; type: string; size: number }[] }) => void shared.push(...(data.files ?? []).map((f) => `${f.name} ${f.type} ${f.size > 0}`)) });
    });
    const guest = await phone.newPage();
    await guest.goto(`/e/${created.code}`);
    await guest.getByRole('button', { name: 'Rejoindre et trouver mes photos' }).waitFor();
    await audit(guest, 'join-fr-phone');
    await guest.getByLabel('Langue').selectOption('en');
    await guest.getByLabel('Your name').fill('Leonard');
    const guestEmail = uniqueEmail('leonard');
    await guest.getByLabel('Your email').fill(guestEmail);
    await guest.getByLabel(/I agree that FindMe compares my selfie/).check();
    await guest.getByRole('button', { name: 'Join and find my photos' }).click();
    await guest.getByRole('heading', { name: 'Your selfie' }).waitFor();
    await guest.goto(`/my/${created.id}`);
    // One page of 30, then the rest as the end of the grid scrolls into view.
    await guest.getByRole('tab', { name: 'Everyone (30+)' }).click();
    await guest.locator('.grid .thumb').nth(29).waitFor();
    assert.equal(await guest.locator('.grid .thumb').count(), 30);
    await guest.locator('.grid .thumb').nth(29).scrollIntoViewIfNeeded();
    await guest.getByRole('tab', { name: 'Everyone (35)' }).waitFor();
    assert.equal(await guest.locator('.grid .thumb').count(), 35);

    // The lightbox: a swipe to the next photo, one photo downloaded, one shared.
    await guest.locator('.grid .thumb').first().click();
    const dialog = guest.getByRole('dialog');
    const stage = dialog.getByRole('img');
    await stage.dispatchEvent('pointerdown', { clientX: 300 });
    await stage.dispatchEvent('pointerup', { clientX: 60 });
    await dialog.getByText('2 / 35').waitFor();
    const [photo] = await Promise.all([guest.waitForEvent('download'), dialog.getByRole('link', { name: 'Download' }).click()]);
    assert.match(photo.suggestedFilename(), /\.jpg$/);
    assert.deepEqual([...(await readFile((await photo.path())!)).subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
    await dialog.getByRole('button', { name: 'Share' }).click();
    await guest.waitForFunction(() => ((globalThis as unknown as { shared: string[] }).shared.length > 0));
    assert.deepEqual(await guest.evaluate(() => (globalThis as unknown as { shared: string[] }).shared), [`${(await stage.getAttribute('alt'))!.replace(/\.[^.]+$/, '')}.jpg image/jpeg true`]);
    await guest.keyboard.press('Escape');

    // Privacy: new-photo emails on (kept after a reload), then leave the event.
    await guest.getByRole('link', { name: 'Privacy' }).click();
    const emails = guest.getByRole('checkbox', { name: /Email me when new photos of me arrive/ });
    await Promise.all([guest.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('SetNewPhotoEmails')), emails.check()]);
    await guest.reload();
    await guest.getByRole('heading', { name: 'Your privacy' }).waitFor();
    assert.equal(await emails.isChecked(), true, 'the choice was saved');
    await guest.getByRole('button', { name: 'Leave the event' }).click();
    await guest.getByRole('button', { name: 'Yes, leave it' }).click();
    await guest.getByRole('heading', { name: 'Find your photos' }).waitFor();
    await guest.getByText('You have not joined an event yet.', { exact: false }).waitFor();
    await guest.goto(`/my/${created.id}`);
    await guest.getByRole('heading', { name: /not a member of this event|could not find/ }).waitFor();
    // Then the whole account, from the account page.
    await guest.getByRole('link', { name: 'Account' }).click();
    await guest.getByRole('heading', { name: 'Your account', exact: true }).waitFor();
    await audit(guest, 'account-phone');
    await guest.getByRole('button', { name: 'Delete my account' }).click();
    await guest.getByRole('button', { name: 'Yes, delete my account' }).click();
    await guest.getByText('Your account is deleted', { exact: false }).waitFor();
    assert.deepEqual(await server.sql('select id from users where lower(email) = lower(?)', [guestEmail]), [], 'the account is gone');

    // The photographer renames themselves, deletes the event, and signs out everywhere.
    await studio.getByRole('link', { name: 'Account' }).click();
    await studio.getByLabel('Name shown to photographers and guests').fill('Gala Photo');
    await studio.getByRole('button', { name: 'Save my name' }).click();
    await studio.getByText('Saved.').waitFor();
    await studio.getByRole('link', { name: 'My events' }).click();
    await studio.getByRole('link', { name: 'Gala 2026' }).click();
    await studio.getByRole('button', { name: 'Delete this event' }).click();
    await studio.getByRole('button', { name: 'Yes, delete the event' }).click();
    await studio.getByRole('heading', { name: 'My events' }).waitFor();
    await studio.getByRole('link', { name: 'Gala 2026' }).waitFor({ state: 'detached' });
    const visitor = await phone.newPage();
    await visitor.goto(`/e/${created.code}`);
    await visitor.getByRole('heading', { name: 'We do not know this code' }).waitFor();
    await studio.getByRole('link', { name: 'Account' }).click();
    await studio.getByLabel('Name shown to photographers and guests').waitFor();
    assert.equal(await studio.getByLabel('Name shown to photographers and guests').inputValue(), 'Gala Photo');
    await studio.getByLabel('Current password').fill('a long enough password');
    await studio.getByLabel('New password').fill('a newer, longer password');
    await studio.getByRole('button', { name: 'Change my password' }).click();
    await studio.getByText('Password changed. Your other devices are signed out.').waitFor();
    await studio.getByRole('button', { name: 'Sign out everywhere' }).click();
    await studio.getByRole('heading', { name: 'Sign in' }).waitFor();
    await studio.goto('/events');
    await studio.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(studio, email, 'a newer, longer password');
    await studio.getByRole('heading', { name: 'No events yet' }).waitFor();
    await desk.close();
    await phone.close();
    await rm(gala, { recursive: true, force: true });
    assertClean();
  });

  journey('should let a photographer on a phone connect a Google Drive folder and watch it import', {}, async () => {
    const email = uniqueEmail('drive');
    const owner = (await server.gql(RegisterDocument, { input: { email, password: 'a long enough password', displayName: 'Drive Studio', role: 'PHOTOGRAPHER' } })).data!.register.token;
    assert.ok((await server.gql(CreateEventDocument, { input: { name: 'Harbour run', date: '2026-09-12' } }, { token: owner })).data);
    const hidden = drive.folder('Not shared yet', { shared: false });
    const root = drive.folder('Harbour run – finish line');
    const photos = await generatedPhotos(2, 640);
    drive.file(root, 'FINISH_01.JPG', photos[0]!);
    drive.file(root, 'FINISH_02.JPG', photos[1]!);
    drive.file(root, 'results.pdf', Buffer.from('%PDF-1.7'), 'application/pdf');

    const phone = await context(PHONE);
    const studio = await phone.newPage();
    await studio.goto('/login');
    await signIn(studio, email, 'a long enough password');
    await studio.getByRole('link', { name: 'Harbour run' }).click();
    const panel = studio.getByRole('region', { name: 'Import from Google Drive' });
    await panel.getByText(drive.key.client_email).waitFor();
    await panel.getByText('No folder connected yet.').waitFor();
    await audit(studio, 'drive-empty-phone');
    // A folder nobody shared: the sentence says with whom to share it.
    await panel.getByLabel('Folder link').fill(`https://drive.google.com/drive/folders/${hidden}?usp=sharing`);
    await panel.getByRole('button', { name: 'Connect the folder' }).click();
    await panel.getByRole('alert').getByText(`FindMe cannot read this folder. In Google Drive, share it with ${drive.key.client_email} as Viewer, then connect it again.`).waitFor();
    await panel.getByLabel('Folder link').fill(`https://drive.google.com/drive/folders/${root}?usp=sharing`);
    await panel.getByRole('button', { name: 'Connect the folder' }).click();
    const folder = panel.getByRole('listitem').filter({ hasText: 'Harbour run – finish line' });
    await folder.getByText('3 files found · 2 imported · 1 skipped').waitFor({ timeout: 30_000 });
    await folder.getByText(/^Last checked at /).waitFor();
    await folder.getByText('Why some files were skipped').click();
    await folder.getByText('It is not a photo FindMe reads (application/pdf).').waitFor();
    await audit(studio, 'drive-imported-phone');
    await panel.screenshot({ path: path.join(ARTIFACTS, 'drive-card-phone.png') });
    // The photos are the event's, through the pipeline.
    await studio.getByText('FINISH_01.JPG', { exact: true }).waitFor({ timeout: 30_000 });
    // Live: a new file shows up by itself.
    drive.file(root, 'FINISH_03.JPG', (await generatedPhotos(3, 640))[2]!);
    await folder.getByText('4 files found · 3 imported · 1 skipped').waitFor({ timeout: 30_000 });
    await folder.getByRole('button', { name: 'Pause' }).click();
    await folder.getByText('Paused').waitFor();
    await folder.getByRole('button', { name: 'Disconnect' }).click();
    await folder.getByRole('button', { name: 'Disconnect it' }).click();
    await panel.getByText('No folder connected yet.').waitFor();
    await phone.close();
    assertClean();
  });

  journey('should let a guest add a selfie, claim a face the matcher missed, be refused a stranger\'s face, and look for their child', { timeout: 180_000 }, async () => {
    // The first journey's event: five photos, all shown to everyone (raj erased his face data there: howard comes now).
    // An earlier journey asked for approval of each guest there; this one is about faces, so guests get in at once again.
    await server.sql(`update events set guest_approval = false where code = ?`, [code]);
    const phone = await context(PHONE);
    const guest = await phone.newPage();
    await guest.goto(`/e/${code}`);
    await guest.getByLabel('Your name').fill('Howard');
    await guest.getByLabel('Your email').fill(uniqueEmail('howard'));
    await guest.getByLabel(/I agree that FindMe compares my selfie/).check();
    await guest.getByRole('button', { name: 'Join and find my photos' }).click();
    await guest.getByRole('heading', { name: 'Your selfie' }).waitFor();
    await guest.locator('input[type=file]').setInputFiles(fileURLToPath(new URL('identities/howard/1.png', FACES)));
    await guest.waitForURL(/\/my\/[0-9a-f-]+/, { timeout: 60_000 });
    const eventId = /\/my\/([0-9a-f-]+)/.exec(guest.url())![1]!;
    await guest.getByText(/We found you in \d+ photos?/).waitFor();

    // A second selfie, from the gallery's summary.
    await guest.getByRole('link', { name: 'Add another selfie (from the side, with glasses)' }).click();
    await guest.getByRole('heading', { name: 'Another selfie' }).waitFor();
    await guest.locator('input[type=file]').setInputFiles(fileURLToPath(new URL('identities/howard/3.png', FACES)));
    await guest.waitForURL(/\/my\/[0-9a-f-]+\?found=/, { timeout: 60_000 });
    await guest.getByRole('link', { name: 'Look for my child or someone else' }).click();
    await guest.getByRole('heading', { name: 'People I look for' }).waitFor();
    await guest.getByText('2 selfies').waitFor();

    // The matcher "missed" howard in bbt1: his match there goes, as if it had never been made.
    const token = await sessionToken(guest);
    const me = (await server.gql(MeDocument, {}, { token })).data!.me!.id;
    await server.sql(`delete from matches m using photos p where p.id = m.photo_id and m.user_id = ? and p.original_filename = 'bbt1.jpg' and p.event_id = ?`, [me, eventId]);
    const mine = async () => (await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token })).data!.myPhotos.edges.filter((e) => e.node.myMatch).map((e) => e.node.originalFilename).sort();
    assert.ok(!(await mine()).includes('bbt1.jpg'));

    // In the Everyone tab, bbt1: "This is me" outlines the faces; a stranger's is refused, his own is taken.
    await guest.goto(`/my/${eventId}`);
    await guest.getByRole('tab', { name: /Everyone/ }).click();
    await guest.locator('.grid .thumb[aria-label="Open bbt1.jpg"]').click();
    const dialog = guest.getByRole('dialog');
    await dialog.getByRole('button', { name: 'This is me' }).click();
    const faces = dialog.locator('.face-outline');
    await faces.first().waitFor();
    const lefts = await faces.evaluateAll((els) => els.map((e) => parseFloat((e as unknown as { style: { left: string } }).style.left) / 100));
    const nearest = (x: number) => lefts.map((l, i) => [Math.abs(l - x), i] as const).sort((a, b) => a[0] - b[0])[0]![1];
    await audit(guest, 'lightbox-claim-phone');
    // bbt1: howard at x 728 of 1366, sheldon at 1004.
    await faces.nth(nearest(1004 / 1366)).click();
    await dialog.getByText('This face does not look like the selfie. Tap the right face, or add another selfie first.').waitFor();
    await faces.nth(nearest(728 / 1366)).click();
    await dialog.getByText('Added to your photos. Looking for you in the other photos too…').waitFor();
    await guest.keyboard.press('Escape');
    assert.ok((await mine()).includes('bbt1.jpg'), 'the claimed photo is his');
    await guest.getByRole('tab', { name: /^You/ }).click();
    await guest.locator('.grid .thumb[aria-label="Open bbt1.jpg"]').waitFor();

    // His child: consent on their behalf, a selfie, their own tab and a Together tab.
    await guest.goto(`/my/${eventId}/people`);
    await guest.getByLabel('Their name (only you see it)').fill('Penny');
    await guest.getByLabel(/on their behalf/).check();
    await guest.getByRole('button', { name: 'Add', exact: true }).click();
    await guest.getByText('Penny was added.').waitFor();
    await audit(guest, 'people-phone');
    await guest.getByRole('status').getByRole('link', { name: 'Add a selfie of Penny' }).click();
    await guest.getByRole('heading', { name: 'A selfie of Penny' }).waitFor();
    await guest.locator('input[type=file]').setInputFiles(fileURLToPath(new URL('identities/penny/1.png', FACES)));
    await guest.waitForURL(/person=/, { timeout: 60_000 });
    await guest.getByText(/We found Penny in \d+ photos?\./).waitFor();
    await guest.getByRole('tab', { name: 'Penny', selected: true }).waitFor();
    const child = (await server.gql(MyPeopleDocument, {}, { token })).data!.myPeople.find((p) => !p.isMe)!;
    const photosOf = async (personIds: string[], together: boolean) =>
      (await server.gql(PeoplePhotosDocument, { eventId, personIds, together }, { token })).data!.myPhotos.edges.map((e) => e.node.originalFilename).sort();
    const pennys = await photosOf([child.id], false);
    // Group photos labelled with penny, and the portrait of her an earlier journey uploaded.
    const showsPenny = (f: string) => who.get(f)?.includes('penny') ?? f.startsWith('penny');
    assert.ok(pennys.length >= 2 && pennys.every(showsPenny), `penny's photos: ${pennys.join(', ')}`);
    await guest.locator('.grid .thumb').nth(pennys.length - 1).waitFor();
    const shown = async () => (await guest.locator('.grid .thumb').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')!.replace(/^Open /, '')))).sort();
    assert.deepEqual(await shown(), pennys, "the child's tab: the photos she is in");
    await guest.getByRole('tab', { name: 'Together' }).click();
    const together = await photosOf([me, child.id], true);
    assert.ok(together.length >= 1 && together.every((f) => who.get(f)?.includes('penny') && who.get(f)?.includes('howard')), `together: ${together.join(', ')}`);
    assert.ok(together.length < pennys.length, 'together is narrower than her tab');
    await guest.locator('.grid .thumb').nth(together.length - 1).waitFor();
    assert.deepEqual(await shown(), together, 'together: the photos where both are');
    await audit(guest, 'gallery-together-phone');
    // Each tab keeps its own list: back on his own tab, his own photos.
    await guest.getByRole('tab', { name: /^You/ }).click();
    const own = await mine();
    await guest.locator('.grid .thumb').nth(own.length - 1).waitFor();
    assert.deepEqual(await shown(), own, 'his own tab shows his photos, not those of another tab');
    await guest.getByRole('tab', { name: 'Penny' }).click();
    await guest.locator('.grid .thumb').nth(pennys.length - 1).waitFor();
    assert.deepEqual(await shown(), pennys);
    await phone.close();
    assertClean();
  });

});
