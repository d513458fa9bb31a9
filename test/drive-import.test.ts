import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  ConnectDriveFolderDocument,
  DisconnectDriveFolderDocument,
  DriveImportChangedDocument,
  DriveImportsDocument,
  DriveServiceAccountEmailDocument,
  JoinEventDocument,
  PauseDriveImportDocument,
  PhotosDocument,
  RequestPhotoUploadsDocument,
  CompletePhotoUploadsDocument,
  DeleteEventDocument,
  ResumeDriveImportDocument,
  type DriveImportChangedSubscription,
  type DriveImportsQuery,
} from './generated/graphql.js';
import { DriveStandIn } from './support/drive-stand-in.js';
import { newAccount, newEvent, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';
import { collect } from './support/live.js';
import { uploadTo } from './support/upload.js';

type Imported = DriveImportsQuery['driveImports'][number];

/**
 * Google Drive import against a local stand-in for Google's token endpoint
 * and Drive v3, through Google's own client library (the stand-in verifies
 * the service account's signed assertion before it grants a token).
 */
describe('Google Drive import', () => {
  let drive: DriveStandIn;
  let server: TestServer;
  let photos: Buffer[];
  const logs: string[] = [];

  before(async () => {
    drive = await DriveStandIn.start();
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    server = await startTestServer({ hasher: plainHasher, worker: true, logStream, env: { ...drive.env(), DRIVE_POLL_SECONDS: '1', DRIVE_TIMEOUT_SECONDS: '2', LOG_LEVEL: 'info' } });
    photos = await generatedPhotos(16, 640);
  });
  after(async () => {
    if (process.env['DEBUG_DRIVE']) for (const l of logs) if (/"level":(40|50)/.test(l)) process.stderr.write(l);
    await server?.close();
    await drive?.close();
  });

  // Each test's folders stop being checked when it ends: the next test's checks do not queue behind them.
  afterEach(async () => {
    await server.sql(`update drive_imports set status = 'PAUSED'`);
  });

  /** The event's imports, as its photographer sees them. */
  async function imports(token: string, eventId: string): Promise<Imported[]> {
    const res = await server.gql(DriveImportsDocument, { eventId }, { token });
    assert.ok(res.data, JSON.stringify(res.errors));
    return res.data.driveImports;
  }

  /** Polls the event's imports until `done` holds of the first (or fails after `timeoutMs`). */
  async function until(token: string, eventId: string, done: (i: Imported) => boolean, timeoutMs = 20_000): Promise<Imported> {
    const deadline = Date.now() + timeoutMs;
    let last: Imported | undefined;
    for (;;) {
      last = (await imports(token, eventId))[0];
      if (last && done(last)) return last;
      if (Date.now() > deadline) throw new Error(`the import did not get there in ${timeoutMs} ms: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  async function connect(token: string, eventId: string, folderUrl: string) {
    return server.gql(ConnectDriveFolderDocument, { eventId, folderUrl }, { token });
  }

  async function eventPhotos(token: string, eventId: string) {
    const res = await server.gql(PhotosDocument, { eventId, first: 100 }, { token });
    assert.ok(res.data, JSON.stringify(res.errors));
    return res.data.photos.edges.map((e) => e.node);
  }

  it('should give photographers the address to share folders with, and nobody else', async () => {
    const photographer = await newAccount(server, 'PHOTOGRAPHER');
    const guest = await newAccount(server, 'PARTICIPANT');
    assert.equal((await server.gql(DriveServiceAccountEmailDocument, {}, { token: photographer })).data?.driveServiceAccountEmail, drive.key.client_email);
    assert.equal(errorCode(await server.gql(DriveServiceAccountEmailDocument, {}, { token: guest })), 'FORBIDDEN');
    assert.equal(errorCode(await server.gql(DriveServiceAccountEmailDocument, {})), 'UNAUTHENTICATED');
  });

  it('should import every photo of the folder and its subfolders on the first check, skip the rest with a reason, and show it live', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive wedding');
    const root = drive.folder('Wedding – Anna & Ben');
    const sub = drive.folder('Second shooter', { parent: root });
    const taken = new Date('2026-06-20T15:41:07.000Z');
    const jpegs = [0, 1, 2, 3].map((i) => drive.file(root, `DSC_000${i}.JPG`, photos[i]!, 'image/jpeg', taken));
    const png = drive.file(sub, 'detail.png', await sharp(photos[4]).png().toBuffer(), 'image/png');
    const webp = drive.file(sub, 'phone.webp', await sharp(photos[5]).webp().toBuffer(), 'image/webp');
    const pdf = drive.file(root, 'contract.pdf', Buffer.from('%PDF-1.7 not a photo'), 'application/pdf');
    const fake = drive.file(sub, 'fake.jpg', Buffer.from('plain text pretending to be a JPEG'), 'image/jpeg');
    drive.googleApp(root, 'Shot list', 'application/vnd.google-apps.document');
    drive.googleApp(root, 'Shortcut to ceremony', 'application/vnd.google-apps.shortcut');
    const trashed = drive.file(root, 'DSC_0099.JPG', photos[6]!);
    drive.trash(trashed);
    const grantsBefore = drive.grants;

    const ws = server.ws({ authorization: `Bearer ${owner}` });
    const live = collect<DriveImportChangedSubscription, { eventId: string }>(ws, DriveImportChangedDocument, { eventId });
    await new Promise((r) => setTimeout(r, 200));
    const res = await connect(owner, eventId, `https://drive.google.com/drive/folders/${root}?usp=sharing`);
    assert.ok(res.data, JSON.stringify(res.errors));
    const connected = res.data.connectDriveFolder;
    assert.equal(connected.folderId, root);
    assert.equal(connected.folderName, 'Wedding – Anna & Ben');
    assert.equal(connected.status, 'ACTIVE');

    const done = await until(owner, eventId, (i) => i.filesImported === 6 && i.filesSkipped === 2 && i.lastCheckedAt !== null);
    assert.equal(done.filesSeen, 8, 'Google Docs, shortcuts and trashed files are not counted');
    assert.equal(done.lastError, null);
    assert.ok(drive.grants > grantsBefore, 'the stand-in verified a signed assertion and granted a token');
    const reasons = Object.fromEntries((await imports(owner, eventId))[0]!.skippedFiles.map((s) => [s.name, s.reason]));
    assert.match(reasons['contract.pdf']!, /not a photo FindMe reads \(application\/pdf\)/);
    assert.match(reasons['fake.jpg']!, /content is not JPEG, PNG, WebP or HEIC/);

    // Through the same pipeline as uploads: processed, with the original names and Drive's modified time.
    const inEvent = await eventPhotos(owner, eventId);
    assert.equal(inEvent.length, 6);
    for (const p of inEvent) assert.equal((await waitForPhoto(server, owner, p.id)).status, 'DONE');
    assert.deepEqual(inEvent.map((p) => p.originalFilename).sort(), ['DSC_0000.JPG', 'DSC_0001.JPG', 'DSC_0002.JPG', 'DSC_0003.JPG', 'detail.png', 'phone.webp']);
    const rows = await server.sql<{ original_filename: string; source_modified_at: Date; content_sha256: string; content_type: string }>(
      `select original_filename, source_modified_at, content_sha256, content_type from photos where event_id = ?`,
      [eventId],
    );
    const dsc = rows.find((r) => r.original_filename === 'DSC_0000.JPG')!;
    assert.equal(new Date(dsc.source_modified_at).toISOString(), taken.toISOString());
    assert.equal(dsc.content_sha256, drive.sha256(jpegs[0]!));
    assert.equal(rows.find((r) => r.original_filename === 'phone.webp')!.content_type, 'image/webp');

    // Downloaded once each; the PDF never (its type said enough); the fake once (its content said it).
    for (const id of [...jpegs, png, webp, fake]) assert.equal(drive.downloads.get(id), 1);
    assert.equal(drive.downloads.get(pdf), undefined);
    assert.equal(drive.downloads.get(trashed), undefined);

    const seen = await live.until((vs) => vs.some((m) => m.driveImportChanged.filesImported === 6 && m.driveImportChanged.lastCheckedAt !== null));
    assert.ok(new Set(seen.map((m) => m.driveImportChanged.filesSeen)).size >= 2, 'the counts arrived as they grew');
    live.dispose();
  });

  it('should import a file added while polling, even with a camera time older than the last check, and nothing twice', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive polling');
    const root = drive.folder('Polling');
    const first = drive.file(root, 'IMG_1.JPG', photos[7]!);
    assert.ok((await connect(owner, eventId, root)).data);
    const checked = await until(owner, eventId, (i) => i.filesImported === 1 && i.lastCheckedAt !== null);
    // Drive for desktop keeps the camera's own modified time: older than the last check.
    const late = drive.file(root, 'IMG_2.JPG', photos[8]!, 'image/jpeg', new Date('2026-06-20T09:00:00.000Z'));
    const after = await until(owner, eventId, (i) => i.filesImported === 2);
    assert.ok(new Date(after.lastCheckedAt!).getTime() >= new Date(checked.lastCheckedAt!).getTime());
    await until(owner, eventId, (i) => new Date(i.lastCheckedAt!).getTime() > new Date(after.lastCheckedAt!).getTime() + 1000);
    assert.equal(drive.downloads.get(first), 1, 'checked many times, downloaded once');
    assert.equal(drive.downloads.get(late), 1);
    assert.equal((await eventPhotos(owner, eventId)).length, 2);
  });

  it('should skip a duplicate before downloading it: the same file twice in the folder, or one already uploaded', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive duplicates');
    // Uploaded by the photographer first, with its SHA-256.
    const uploaded = photos[9]!;
    const req = await server.gql(
      RequestPhotoUploadsDocument,
      { eventId, files: [{ filename: 'from-card.jpg', contentType: 'image/jpeg', byteSize: uploaded.length, sha256: createHash('sha256').update(uploaded).digest('hex') }] },
      { token: owner },
    );
    assert.ok(req.data, JSON.stringify(req.errors));
    await uploadTo(req.data.requestPhotoUploads[0]!.upload, uploaded, 'image/jpeg');
    assert.ok((await server.gql(CompletePhotoUploadsDocument, { photoIds: [req.data.requestPhotoUploads[0]!.photo.id] }, { token: owner })).data);

    const root = drive.folder('Duplicates');
    const sub = drive.folder('Copies', { parent: root });
    const original = drive.file(root, 'A.JPG', photos[10]!);
    const copy = drive.file(sub, 'A copy.JPG', photos[10]!);
    const again = drive.file(root, 'from-card (1).jpg', uploaded);
    assert.ok((await connect(owner, eventId, root)).data);
    const done = await until(owner, eventId, (i) => i.filesSeen === 3 && i.lastCheckedAt !== null);
    assert.equal(done.filesImported, 1);
    assert.equal(done.filesSkipped, 2);
    const reasons = Object.fromEntries((await imports(owner, eventId))[0]!.skippedFiles.map((s) => [s.name, s.reason]));
    assert.match(reasons['A copy.JPG']!, /same photo is already in the event \(A\.JPG\)/);
    assert.match(reasons['from-card (1).jpg']!, /same photo is already in the event \(from-card\.jpg\)/);
    assert.equal(drive.downloads.get(original), 1);
    assert.equal(drive.downloads.get(copy), undefined, 'a duplicate is never downloaded');
    assert.equal(drive.downloads.get(again), undefined);
    assert.equal((await eventPhotos(owner, eventId)).length, 2);
  });

  it('should refuse a folder it cannot read with a sentence saying whom to share it with, and fail an import whose folder is unshared later', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive unshared');
    const hidden = drive.folder('Not shared', { shared: false });
    drive.file(hidden, 'secret.jpg', photos[11]!);
    const refused = await connect(owner, eventId, `https://drive.google.com/drive/folders/${hidden}`);
    assert.equal(errorCode(refused), 'DRIVE_FOLDER_UNREADABLE');
    assert.equal(refused.errors![0]!.message, `FindMe cannot read this folder. In Google Drive, share it with ${drive.key.client_email} as Viewer, then connect it again.`);
    assert.deepEqual(await imports(owner, eventId), [], 'nothing was connected');
    const bad = await connect(owner, eventId, 'https://example.com/not-a-drive-link');
    assert.equal(errorCode(bad), 'BAD_USER_INPUT');
    assert.match(bad.errors![0]!.message, /paste the folder's link/);

    // Shared, then imported; then unshared: FAILED with what to do, and no more checks.
    drive.share(hidden);
    assert.ok((await connect(owner, eventId, hidden)).data);
    await until(owner, eventId, (i) => i.filesImported === 1);
    drive.unshare(hidden);
    const failed = await until(owner, eventId, (i) => i.status === 'FAILED');
    assert.match(failed.lastError!, /no longer shared\. FindMe cannot read this folder\. In Google Drive, share it with .* as Viewer/);
    const requests = drive.requestsAbout(hidden);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(drive.requestsAbout(hidden), requests, 'a failed import is not checked again');
    // Shared again and connected again: it resumes.
    drive.share(hidden);
    drive.file(hidden, 'after.jpg', photos[12]!);
    const resumed = await connect(owner, eventId, hidden);
    assert.equal(resumed.data?.connectDriveFolder.status, 'ACTIVE');
    await until(owner, eventId, (i) => i.filesImported === 2 && i.lastError === null);
  });

  it("should back off on Drive's quota errors (403 userRateLimitExceeded, 429), say so, and go on", async () => {
    const { owner, eventId } = await newEvent(server, 'Drive quota');
    const root = drive.folder('Quota');
    drive.file(root, 'Q1.JPG', photos[13]!);
    assert.ok((await connect(owner, eventId, root)).data);
    await until(owner, eventId, (i) => i.filesImported === 1 && i.lastCheckedAt !== null);
    const ws = server.ws({ authorization: `Bearer ${owner}` });
    const live = collect<DriveImportChangedSubscription, { eventId: string }>(ws, DriveImportChangedDocument, { eventId });
    await new Promise((r) => setTimeout(r, 200));
    drive.failNext(2, 'userRateLimitExceeded', root);
    drive.failNext(1, 'rateLimitExceeded', root);
    drive.file(root, 'Q2.JPG', photos[14]!);
    const slowed = await live.until((vs) => vs.some((m) => /slow down \(its quota\)/.test(m.driveImportChanged.lastError ?? '')));
    const quota = slowed.find((m) => m.driveImportChanged.lastError !== null)!.driveImportChanged;
    assert.equal(quota.status, 'ACTIVE', 'a quota error is not a failure');
    assert.match(quota.lastError!, /^Google Drive asked FindMe to slow down \(its quota\); the import goes on in \d+ s\.$/);
    const recovered = await until(owner, eventId, (i) => i.filesImported === 2 && i.lastError === null, 30_000);
    assert.equal(recovered.status, 'ACTIVE');
    // Three refusals in a row (DRIVE_POLL_SECONDS=1): 1 s, then 2 s, then 4 s.
    const waits = [...new Set(live.values.map((m) => m.driveImportChanged.lastError).filter((e): e is string => e !== null).map((e) => Number(/in (\d+) s/.exec(e)![1])))];
    assert.deepEqual(waits, [1, 2, 4], 'the wait doubles after each refusal');
    live.dispose();
  });

  it('should page through a folder of thousands of files, and check it again without fetching any of them twice', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive large folder');
    const root = drive.folder('Large');
    const sub = drive.folder('Sub', { parent: root });
    // Drive pages hold fewer files than asked (here 460 of the 1,000 FindMe asks for).
    drive.pageLimit = 460;
    for (let i = 0; i < 2500; i += 1) drive.file(i % 2 ? root : sub, `sidecar_${i}.xmp`, Buffer.from(`<x:xmpmeta n="${i}"/>`), 'application/rdf+xml');
    const shots = [drive.file(root, 'L1.JPG', photos[4]!), drive.file(sub, 'L2.JPG', photos[5]!)];
    try {
      const started = Date.now();
      assert.ok((await connect(owner, eventId, root)).data);
      const first = await until(owner, eventId, (i) => i.filesSeen === 2502 && i.lastCheckedAt !== null, 60_000);
      const firstSeconds = (Date.now() - started) / 1000;
      assert.equal(first.filesImported, 2);
      assert.equal(first.filesSkipped, 2500);
      const lists = drive.requests.filter((r) => r.path.startsWith('/drive/v3/files?') && r.within.includes(root)).length;
      await until(owner, eventId, (i) => new Date(i.lastCheckedAt!).getTime() > new Date(first.lastCheckedAt!).getTime(), 30_000);
      const perCheck = drive.requests.filter((r) => r.path.startsWith('/drive/v3/files?') && r.within.includes(root)).length - lists;
      assert.ok(perCheck >= 6 && perCheck <= 9, `a check lists both folders page by page (${perCheck} pages)`);
      for (const id of shots) assert.equal(drive.downloads.get(id), 1);
      assert.ok(firstSeconds < 30, `the first check of 2,502 files took ${firstSeconds.toFixed(1)} s`);
    } finally {
      drive.pageLimit = 3;
    }
  });

  it('should give up on a download that stalls, say so, and fetch the file again on a later check', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive stalled');
    const root = drive.folder('Stalled');
    const id = drive.file(root, 'S1.JPG', photos[6]!);
    const stall = drive.stall(id); // half the bytes, then nothing, for good
    assert.ok((await connect(owner, eventId, root)).data);
    await stall.reached;
    const waiting = await until(owner, eventId, (i) => i.lastError !== null, 15_000);
    assert.equal(waiting.status, 'ACTIVE');
    assert.match(waiting.lastError!, /^Google Drive did not answer; the import goes on in \d+ s\.$/);
    await until(owner, eventId, (i) => i.filesImported === 1 && i.lastError === null, 20_000);
    assert.equal(drive.downloads.get(id), 1, 'the stalled download never finished; the second did');
    const [photo] = await eventPhotos(owner, eventId);
    assert.equal((await waitForPhoto(server, owner, photo!.id)).status, 'DONE');
  });

  it('should skip a file deleted between listing and download, and pause, resume and disconnect', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive controls');
    const root = drive.folder('Controls');
    const gone = drive.file(root, 'deleted.JPG', photos[15]!);
    drive.vanishOnDownload(gone);
    drive.file(root, 'kept.JPG', photos[0]!);
    assert.ok((await connect(owner, eventId, root)).data);
    const first = await until(owner, eventId, (i) => i.filesSeen === 2 && i.lastCheckedAt !== null);
    assert.equal(first.filesImported, 1);
    const skipped = (await imports(owner, eventId))[0]!.skippedFiles;
    assert.deepEqual(skipped.map((s) => [s.name, s.reason]), [['deleted.JPG', 'It was deleted from Drive before it could be imported.']]);
    assert.equal((await eventPhotos(owner, eventId)).length, 1, 'no photo is left behind for it');

    const paused = await server.gql(PauseDriveImportDocument, { id: first.id }, { token: owner });
    assert.equal(paused.data?.pauseDriveImport.status, 'PAUSED');
    await new Promise((r) => setTimeout(r, 300));
    const late = drive.file(root, 'while-paused.JPG', photos[1]!);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(drive.downloads.get(late), undefined, 'a paused folder is not checked');
    assert.equal((await imports(owner, eventId))[0]!.filesImported, 1);
    const resumed = await server.gql(ResumeDriveImportDocument, { id: first.id }, { token: owner });
    assert.equal(resumed.data?.resumeDriveImport.status, 'ACTIVE');
    await until(owner, eventId, (i) => i.filesImported === 2);

    const disconnected = await server.gql(DisconnectDriveFolderDocument, { id: first.id }, { token: owner });
    assert.equal(disconnected.data?.disconnectDriveFolder, first.id);
    assert.deepEqual(await imports(owner, eventId), []);
    assert.equal((await eventPhotos(owner, eventId)).length, 2, 'imported photos stay');
    const requests = drive.requestsAbout(root);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(drive.requestsAbout(root), requests, 'a disconnected folder is not checked');
  });

  it('should stop checking the folder of an event being deleted, and forget it with the event', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive deleted event');
    const root = drive.folder('Deleted event');
    drive.file(root, 'D1.JPG', photos[2]!);
    assert.ok((await connect(owner, eventId, root)).data);
    await until(owner, eventId, (i) => i.filesImported === 1);
    assert.equal((await server.gql(DeleteEventDocument, { id: eventId }, { token: owner })).data?.deleteEvent, eventId);
    await new Promise((r) => setTimeout(r, 1500));
    const requests = drive.requestsAbout(root);
    drive.file(root, 'D2.JPG', photos[3]!);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(drive.requestsAbout(root), requests, 'no check once the event is being deleted');
    const deadline = Date.now() + 20_000;
    while ((await server.sql(`select 1 from drive_imports where event_id = ?`, [eventId])).length > 0) {
      assert.ok(Date.now() < deadline, 'the import went with the event');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it("should refuse another photographer and the event's guests everything about an event's imports", async () => {
    const { owner, eventId, code } = await newEvent(server, 'Drive access');
    const root = drive.folder('Access');
    const id = (await connect(owner, eventId, root)).data!.connectDriveFolder.id;
    const other = await newAccount(server, 'PHOTOGRAPHER');
    const guest = await newAccount(server, 'PARTICIPANT');
    assert.ok((await server.gql(JoinEventDocument, { code, consent: true }, { token: guest })).data);
    assert.equal(errorCode(await server.gql(DriveImportsDocument, { eventId }, { token: other })), 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(DriveImportsDocument, { eventId }, { token: guest })), 'FORBIDDEN');
    assert.equal(errorCode(await connect(other, eventId, drive.folder('Theirs'))), 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(PauseDriveImportDocument, { id }, { token: other })), 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(ResumeDriveImportDocument, { id }, { token: other })), 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(DisconnectDriveFolderDocument, { id }, { token: other })), 'NOT_FOUND');
    const ws = server.ws({ authorization: `Bearer ${other}` });
    const live = collect<DriveImportChangedSubscription, { eventId: string }>(ws, DriveImportChangedDocument, { eventId });
    await live.failure();
    assert.equal(live.errors[0]?.extensions?.['code'], 'NOT_FOUND');
    live.dispose();
    assert.equal((await imports(owner, eventId)).length, 1, 'still connected');
  });

  it('should never send the credentials to a client or write them to the log', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive secrets');
    const root = drive.folder('Secrets');
    assert.ok((await connect(owner, eventId, root)).data);
    await until(owner, eventId, (i) => i.lastCheckedAt !== null);
    const answer = JSON.stringify((await server.gql(DriveImportsDocument, { eventId }, { token: owner })).data);
    assert.ok(!answer.includes('PRIVATE KEY') && !answer.includes(drive.key.private_key_id));
    const logged = logs.join('');
    assert.match(logged, /drive folder connected/, 'the log is captured');
    assert.match(logged, /drive folder checked/);
    const keyBody = drive.key.private_key.split('\n')[1]!;
    for (const secret of [keyBody, drive.key.private_key_id, 'ya29.', 'assertion']) assert.ok(!logged.includes(secret), `the log holds no ${secret.slice(0, 12)}…`);
  });

  it("should fail the import with a sentence when Google refuses the service account's key", async () => {
    const { owner, eventId } = await newEvent(server, 'Drive revoked');
    const root = drive.folder('Revoked');
    assert.ok((await connect(owner, eventId, root)).data);
    await until(owner, eventId, (i) => i.lastCheckedAt !== null);
    drive.revokeKey();
    const failed = await until(owner, eventId, (i) => i.status === 'FAILED');
    assert.match(failed.lastError!, /^Google refused FindMe's service account: its key was deleted, disabled or revoked\. Ask the person who runs FindMe to check GOOGLE_SERVICE_ACCOUNT_JSON/);
    const again = await connect(owner, eventId, root);
    assert.equal(errorCode(again), 'DRIVE_UNAVAILABLE');
  });
});
