import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateEventDocument,
  DeleteAccountDocument,
  DeleteMyFaceDataDocument,
  EventRetentionDocument,
  HeartbeatDocument,
  JoinEventDocument,
  LoginDocument,
  MeDocument,
  MyPhotosDocument,
  PhotoDocument,
  PrivacyPolicyDocument,
  AddPersonDocument,
  ClaimFaceDocument,
  DeleteSelfieDocument,
  EventCoverageDocument,
  GuardianConsentDocument,
  MyPeopleDocument,
  PeopleArchiveDocument,
  PeoplePhotosDocument,
  PhotoFacesDocument,
  RejectMatchOfDocument,
  RematchProgressDocument,
  RemovePersonDocument,
  SetPhotoVisibilityDocument,
  type HeartbeatSubscription,
  type RematchProgressSubscription,
  MyNewPhotosDocument,
  LeaveEventDocument,
  type MyNewPhotosSubscription,
} from './generated/graphql.js';
import { newAccount, sendSelfie, uploadPhotos, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, TestClock, type TestServer } from './support/harness.js';
import { devGroupPhoto, identityPhoto } from './support/images.js';
import { collect } from './support/live.js';

/** Which dev group photos show whom (test/fixtures/faces/manifest.json). */
const RAJ_IN = ['bbt1.jpg', 'bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg'];
const PENNY_IN = ['bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg'];
const HOWARD_IN = ['bbt1.jpg', 'bbt3.jpg', 'bbt5.jpg'];
/** A person penny added, erased with her account. */
let pennysChild = '';

/** Every file under the local object store, relative to it. */
async function storedObjects(server: TestServer): Promise<string[]> {
  const root = path.join(server.dataDir, 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

/** Rows of any table whose text mentions one of the needles (ids, emails). */
async function rowsMentioning(server: TestServer, needles: string[]): Promise<{ table: string; row: string }[]> {
  const tables = await server.sql<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const found: { table: string; row: string }[] = [];
  for (const { table_name: table } of tables) {
    const rows = await server.sql<{ row: string }>(`select row_to_json(t)::text as row from "${table}" t`);
    for (const { row } of rows) if (needles.some((n) => row.toLowerCase().includes(n.toLowerCase()))) found.push({ table, row: row.slice(0, 200) });
  }
  // pg-boss keeps its jobs in its own schema: payloads name photos and selfies, never people, but check.
  const jobs = await server.sql<{ row: string }>(`select row_to_json(j)::text as row from pgboss.job j`).catch(() => []);
  for (const { row } of jobs) if (needles.some((n) => row.includes(n))) found.push({ table: 'pgboss.job', row: row.slice(0, 200) });
  return found;
}

async function userId(server: TestServer, token: string): Promise<{ id: string; email: string }> {
  const me = (await server.gql(MeDocument, {}, { token })).data!.me!;
  return { id: me.id, email: me.email };
}

describe('biometric privacy (local engine, real storage)', () => {
  let server: TestServer;
  const clock = new TestClock();
  let owner: string;
  let eventId: string;
  let code: string;
  const guests: Record<string, string> = {};
  const photoIds = new Map<string, string>();

  before(async () => {
    server = await startTestServer({
      hasher: plainHasher,
      worker: true,
      clock,
      env: { FACE_RECOGNIZER_PROVIDER: 'local', FACE_WORKER_THREADS: '2', RETENTION_SWEEP_INTERVAL_SECONDS: '1' },
    });
    owner = await newAccount(server, 'PHOTOGRAPHER');
    const today = clock.now().toISOString().slice(0, 10);
    const created = await server.gql(CreateEventDocument, { input: { name: 'Wedding', date: today, faceRetentionDays: 30 } }, { token: owner });
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    ({ id: eventId, code } = created.data!.createEvent);
    for (const who of ['raj', 'penny']) {
      guests[who] = await newAccount(server, 'PARTICIPANT', who);
      assert.equal((await server.gql(JoinEventDocument, { code, consent: true }, { token: guests[who] })).errors, undefined);
    }
    assert.equal((await sendSelfie(server, guests['raj']!, await identityPhoto('raj', 5))).status, 'DONE');
    assert.equal((await sendSelfie(server, guests['penny']!, await identityPhoto('penny', 1))).status, 'DONE');
    const names = ['bbt1.jpg', 'bbt2.jpg', 'bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg'];
    const photos = await Promise.all(([1, 2, 3, 4, 5] as const).map(devGroupPhoto));
    const ids = await uploadPhotos(server, owner, eventId, names.map((name, i) => ({ name, bytes: photos[i]! })));
    for (const [i, id] of ids.entries()) {
      photoIds.set(names[i]!, id);
      assert.equal((await waitForPhoto(server, owner, id, 90_000)).status, 'DONE');
    }
  });
  after(() => server.close());

  async function myPhotoNames(who: string): Promise<string[]> {
    const res = await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token: guests[who] });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.myPhotos.edges.map((e) => e.node.originalFilename).sort();
  }

  it('should serve the consent text and the retention rules, and record the consent version before any selfie', async () => {
    const policy = (await server.gql(PrivacyPolicyDocument, {})).data!.privacyPolicy;
    assert.equal(policy.faceDataRetentionDays, 90);
    assert.ok(policy.retentionRules.some((r) => r.includes('3 years')));
    const consents = await server.sql<{ consent_version: string; consented_at: Date; first_selfie: Date }>(
      `select p.consent_version, p.consented_at, (select min(created_at) from selfies s where s.user_id = p.user_id) as first_selfie
         from participations p where p.event_id = ?`,
      [eventId],
    );
    assert.equal(consents.length, 2);
    for (const c of consents) {
      assert.equal(c.consent_version, policy.version);
      assert.ok(c.consented_at <= c.first_selfie, 'consent comes before the selfie');
    }
  });

  it('should never expose faces of bystanders: photos are shown to a guest only where the guest was found', async () => {
    const faces = await server.sql<{ n: number }>(
      `select count(*)::int as n from faces f join photos p on p.id = f.photo_id
        where p.event_id = ? and not exists (select 1 from matches m where m.face_id = f.id)`,
      [eventId],
    );
    assert.ok(faces[0]!.n > 0, 'the photos have faces of people who are not participants');
    const raj = await myPhotoNames('raj');
    assert.ok(raj.length >= 2 && raj.every((n) => RAJ_IN.includes(n)), `raj sees ${raj.join(', ')}`);
    // bbt2 shows neither guest: they cannot open it, and nothing in the API describes its faces.
    const stranger = await server.gql(PhotoDocument, { id: photoIds.get('bbt2.jpg')! }, { token: guests['raj'] });
    assert.equal(errorCode(stranger), 'NOT_FOUND');
    const own = await server.gql(PhotoDocument, { id: photoIds.get(raj[0]!)! }, { token: guests['raj'] });
    assert.equal(own.errors, undefined);
    assert.ok(!JSON.stringify(own.data).includes('vector'), 'no template leaves the server');
  });

  /** The people a guest looks for, the guest first. */
  async function people(who: string) {
    const res = await server.gql(MyPeopleDocument, {}, { token: guests[who] });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.myPeople;
  }

  async function photosOf(who: string, personIds: string[] | null, together = false): Promise<string[]> {
    const res = await server.gql(PeoplePhotosDocument, { eventId, personIds, together }, { token: guests[who] });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.myPhotos.edges.map((e) => e.node.originalFilename).sort();
  }

  /** The photos the guest was found in (not those only shown to everyone). */
  async function ownMatches(who: string): Promise<string[]> {
    const res = await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token: guests[who] });
    return res.data!.myPhotos.edges.filter((e) => e.node.myMatch).map((e) => e.node.originalFilename).sort();
  }

  /** The face of a photo nearest to a horizontal position (0..1), as the guest sees the photo's faces. */
  async function faceAt(who: string, photo: string, left: number) {
    const res = await server.gql(PhotoFacesDocument, { id: photoIds.get(photo)! }, { token: guests[who] });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const faces = res.data!.photo!.faces;
    for (const { box } of faces) {
      assert.ok([box.left, box.top, box.width, box.height].every((x) => x >= 0 && x <= 1) && box.left + box.width <= 1.0001, 'boxes are fractions of the photo');
    }
    return [...faces].sort((a, b) => Math.abs(a.box.left - left) - Math.abs(b.box.left - left))[0]!;
  }

  it('should let a guest keep up to 3 selfies (the oldest goes), delete one, and never the last one this way', async () => {
    const first = (await people('raj'))[0]!;
    assert.equal(first.isMe, true);
    assert.equal(first.selfies.length, 1);
    const oldest = first.selfies[0]!.id;
    for (const n of [1, 2] as const) assert.equal((await sendSelfie(server, guests['raj']!, await identityPhoto('raj', n), 'image/png', { add: true })).status, 'DONE');
    assert.equal((await people('raj'))[0]!.selfies.filter((x) => x.status === 'ACTIVE').length, 3);
    assert.equal((await sendSelfie(server, guests['raj']!, await identityPhoto('raj', 3), 'image/png', { add: true })).status, 'DONE');
    const kept = (await people('raj'))[0]!.selfies.filter((x) => x.status === 'ACTIVE');
    assert.equal(kept.length, 3, 'at most 3 selfies');
    assert.ok(!kept.some((x) => x.id === oldest), 'the oldest went');
    assert.deepEqual((await storedObjects(server)).filter((k) => k.includes(oldest)), [], "the oldest selfie's file is gone");
    assert.deepEqual(await myPhotoNames('raj'), RAJ_IN, 'every selfie finds raj');

    assert.equal((await server.gql(DeleteSelfieDocument, { id: kept[0]!.id }, { token: guests['raj'] })).data?.deleteSelfie, kept[0]!.id);
    assert.equal(errorCode(await server.gql(DeleteSelfieDocument, { id: kept[1]!.id }, { token: guests['penny'] })), 'NOT_FOUND', "another guest's selfie");
    assert.equal((await server.gql(DeleteSelfieDocument, { id: kept[1]!.id }, { token: guests['raj'] })).data?.deleteSelfie, kept[1]!.id);
    const last = await server.gql(DeleteSelfieDocument, { id: kept[2]!.id }, { token: guests['raj'] });
    assert.equal(errorCode(last), 'CONFLICT');
    assert.match(last.errors![0]!.message, /only selfie.*delete your face data/);
    assert.deepEqual((await people('raj'))[0]!.selfies.map((x) => x.id), [kept[2]!.id]);
    assert.deepEqual(await myPhotoNames('raj'), RAJ_IN, 'the photos found stay');
  });

  it('should let a guest say "this is me" on a face the matcher did not give them, refuse a stranger\'s face, and undo it with "not me"', async () => {
    const raj = (await people('raj'))[0]!.id;
    const bbt1 = photoIds.get('bbt1.jpg')!;
    assert.equal((await server.gql(SetPhotoVisibilityDocument, { id: bbt1, showInGeneral: true }, { token: owner })).errors, undefined);
    assert.equal((await server.gql(RejectMatchOfDocument, { photoId: bbt1 }, { token: guests['raj'] })).errors, undefined);
    assert.ok(!(await ownMatches('raj')).includes('bbt1.jpg'), '"not me" took it out');
    // bbt1: raj left (x 213 of 1366), leonard, howard, sheldon right (x 1004).
    const rajFace = await faceAt('raj', 'bbt1.jpg', 213 / 1366);
    const sheldonFace = await faceAt('raj', 'bbt1.jpg', 1004 / 1366);
    assert.equal(rajFace.personId, null, 'no face of the photo is raj\'s after "not me"');

    const stranger = await server.gql(ClaimFaceDocument, { photoId: bbt1, faceIndex: sheldonFace.index }, { token: guests['raj'] });
    assert.equal(errorCode(stranger), 'FACE_NOT_YOURS');
    assert.equal(stranger.errors![0]!.message, 'This face does not look like your selfie.');
    assert.equal(errorCode(await server.gql(ClaimFaceDocument, { photoId: bbt1, faceIndex: 99 }, { token: guests['raj'] })), 'BAD_USER_INPUT');
    assert.equal(errorCode(await server.gql(ClaimFaceDocument, { photoId: photoIds.get('bbt2.jpg')!, faceIndex: 0 }, { token: guests['raj'] })), 'NOT_FOUND', 'a photo raj may not see');

    const ws = server.ws({ authorization: `Bearer ${guests['raj']}` });
    const progress = collect<RematchProgressSubscription, Record<string, never>>(ws, RematchProgressDocument, {});
    const claimed = await server.gql(ClaimFaceDocument, { photoId: bbt1, faceIndex: rajFace.index }, { token: guests['raj'] });
    assert.equal(claimed.errors, undefined, JSON.stringify(claimed.errors));
    assert.equal(claimed.data!.claimFace.faces.find((f) => f.index === rajFace.index)?.personId, raj);
    assert.ok((await ownMatches('raj')).includes('bbt1.jpg'), 'the photo is raj\'s again');
    // A search of raj's events starts from the claimed face, followed over rematchProgress.
    await progress.until((v) => v.some((m) => m.rematchProgress.status === 'DONE'));
    progress.dispose();
    await ws.dispose();
    assert.deepEqual(await myPhotoNames('raj'), RAJ_IN);

    assert.equal((await server.gql(RejectMatchOfDocument, { photoId: bbt1, personId: raj }, { token: guests['raj'] })).errors, undefined);
    assert.ok(!(await ownMatches('raj')).includes('bbt1.jpg'), '"not me" undoes the claim');
    assert.equal((await server.gql(ClaimFaceDocument, { photoId: bbt1, faceIndex: rajFace.index }, { token: guests['raj'] })).errors, undefined);
    assert.equal((await server.gql(SetPhotoVisibilityDocument, { id: bbt1, showInGeneral: false }, { token: owner })).errors, undefined);
  });

  it('should let a guest look for their child: consent, selfies, a tab of their photos, photos of them together, per-person ZIPs, and private to that guest', async () => {
    const raj = (await people('raj'))[0]!.id;
    const consent = (await server.gql(GuardianConsentDocument, {})).data!.privacyPolicy;
    assert.match(consent.guardianConsentText, /on their behalf/);
    assert.equal(errorCode(await server.gql(AddPersonDocument, { input: { name: 'Kid', consentVersion: 'old' } }, { token: guests['raj'] })), 'BAD_USER_INPUT');
    assert.equal(errorCode(await server.gql(AddPersonDocument, { input: { name: '  ', consentVersion: consent.guardianConsentVersion } }, { token: guests['raj'] })), 'BAD_USER_INPUT');
    const added = await server.gql(AddPersonDocument, { input: { name: 'Little Howard', consentVersion: consent.guardianConsentVersion } }, { token: guests['raj'] });
    assert.equal(added.errors, undefined, JSON.stringify(added.errors));
    const child = added.data!.addPerson;
    assert.equal(child.isMe, false);
    assert.deepEqual((await people('raj')).map((p) => [p.id, p.isMe]), [[raj, true], [child.id, false]], 'the guest first');
    const job = await sendSelfie(server, guests['raj']!, await identityPhoto('howard', 2), 'image/png', { personId: child.id });
    assert.equal(job.status, 'DONE');
    assert.equal(job.matched, HOWARD_IN.length);
    assert.deepEqual(await photosOf('raj', [child.id]), HOWARD_IN, "the child's tab: their photos");
    assert.deepEqual(await photosOf('raj', [raj, child.id], true), RAJ_IN.filter((n) => HOWARD_IN.includes(n)), 'together: photos where both are');
    assert.deepEqual(await photosOf('raj', [raj, child.id]), [...new Set([...RAJ_IN, ...HOWARD_IN])].sort(), 'either of them, with the general ones');
    // A photo of the child alone, uploaded now: matched as it is processed, pushed live to raj, and "not him" takes it out of his tab.
    const ws = server.ws({ authorization: `Bearer ${guests['raj']}` });
    const pushes = collect<MyNewPhotosSubscription, { eventId: string }>(ws, MyNewPhotosDocument, { eventId });
    await new Promise((r) => setTimeout(r, 300));
    const [portrait] = await uploadPhotos(server, owner, eventId, [{ name: 'howard-portrait.png', bytes: await identityPhoto('howard', 4) }]);
    assert.equal((await waitForPhoto(server, owner, portrait!, 60_000)).status, 'DONE');
    await pushes.until((v) => v.some((m) => m.myNewPhotos.id === portrait));
    pushes.dispose();
    await ws.dispose();
    assert.deepEqual(await photosOf('raj', [child.id]), [...HOWARD_IN, 'howard-portrait.png'].sort());
    assert.ok(!(await ownMatches('raj')).includes('howard-portrait.png'), 'a photo of his child is not one of raj');
    assert.equal((await server.gql(RejectMatchOfDocument, { photoId: portrait!, personId: child.id }, { token: guests['raj'] })).errors, undefined);
    assert.deepEqual(await photosOf('raj', [child.id]), HOWARD_IN, '"not him" took it out of his tab');

    const zip = await server.gql(PeopleArchiveDocument, { eventId, personIds: [child.id] }, { token: guests['raj'] });
    assert.equal(zip.data?.myPhotosArchive.photoCount, HOWARD_IN.length);
    // Faces say which of the guest's people each is, never anyone else's.
    const inBbt3 = (await server.gql(PhotoFacesDocument, { id: photoIds.get('bbt3.jpg')! }, { token: guests['raj'] })).data!.photo!.faces.map((f) => f.personId);
    assert.ok(inBbt3.includes(child.id) && inBbt3.includes(raj), 'raj and his child are outlined as theirs');
    const pennysView = (await server.gql(PhotoFacesDocument, { id: photoIds.get('bbt3.jpg')! }, { token: guests['penny'] })).data!.photo!.faces.map((f) => f.personId);
    assert.ok(!pennysView.includes(child.id) && !pennysView.includes(raj), "another guest never sees raj's people");

    // Nobody else may use the child's id.
    for (const res of [
      await server.gql(PeoplePhotosDocument, { eventId, personIds: [child.id] }, { token: guests['penny'] }),
      await server.gql(ClaimFaceDocument, { photoId: photoIds.get('bbt3.jpg')!, faceIndex: 0, personId: child.id }, { token: guests['penny'] }),
      await server.gql(RemovePersonDocument, { id: child.id }, { token: guests['penny'] }),
      await server.gql(RejectMatchOfDocument, { photoId: photoIds.get('bbt3.jpg')!, personId: child.id }, { token: guests['penny'] }),
    ]) {
      assert.equal(errorCode(res), 'NOT_FOUND');
    }
    // At most 4 people besides the guest.
    const extra: string[] = [];
    for (const name of ['A', 'B', 'C']) extra.push((await server.gql(AddPersonDocument, { input: { name, consentVersion: consent.guardianConsentVersion } }, { token: guests['raj'] })).data!.addPerson.id);
    assert.equal(errorCode(await server.gql(AddPersonDocument, { input: { name: 'E', consentVersion: consent.guardianConsentVersion } }, { token: guests['raj'] })), 'CONFLICT');
    for (const id of extra) assert.equal((await server.gql(RemovePersonDocument, { id }, { token: guests['raj'] })).data?.removePerson, id);

    // Removing the child erases everything of theirs, and nothing of raj's.
    const childSelfies = (await people('raj')).find((p) => p.id === child.id)!.selfies.map((x) => x.id);
    assert.equal(childSelfies.length, 1);
    assert.equal((await server.gql(RemovePersonDocument, { id: child.id }, { token: guests['raj'] })).data?.removePerson, child.id);
    assert.deepEqual(await rowsMentioning(server, [child.id, 'Little Howard']), []);
    assert.deepEqual((await storedObjects(server)).filter((k) => childSelfies.some((id) => k.includes(id))), []);
    assert.deepEqual(await myPhotoNames('raj'), RAJ_IN, "raj's own photos stay");
    assert.equal(errorCode(await server.gql(PeoplePhotosDocument, { eventId, personIds: [child.id] }, { token: guests['raj'] })), 'NOT_FOUND');

    // Kept for the erasures below: raj's second person, and one of penny's.
    const kid = (await server.gql(AddPersonDocument, { input: { name: 'Amy junior', consentVersion: consent.guardianConsentVersion } }, { token: guests['raj'] })).data!.addPerson;
    assert.equal((await sendSelfie(server, guests['raj']!, await identityPhoto('amy', 1), 'image/png', { personId: kid.id })).status, 'DONE');
    const pennys = (await server.gql(AddPersonDocument, { input: { name: 'Bernadette junior', consentVersion: consent.guardianConsentVersion } }, { token: guests['penny'] })).data!.addPerson;
    assert.equal((await sendSelfie(server, guests['penny']!, await identityPhoto('bernadette', 1), 'image/png', { personId: pennys.id })).status, 'DONE');
    pennysChild = pennys.id;
  });

  it('should throttle "this is me" hardest: each claim is a biometric comparison', async () => {
    const bbt1 = photoIds.get('bbt1.jpg')!;
    const stranger = await newAccount(server, 'PARTICIPANT', 'leonard');
    assert.equal((await server.gql(JoinEventDocument, { code, consent: true }, { token: stranger })).errors, undefined);
    const codes: unknown[] = [];
    // Counted before anything is looked at: failed claims too.
    for (let i = 0; i < 12; i++) codes.push(errorCode(await server.gql(ClaimFaceDocument, { photoId: bbt1, faceIndex: 0 }, { token: stranger })));
    assert.deepEqual(codes.slice(0, 10), Array(10).fill('NOT_FOUND'));
    assert.deepEqual(codes.slice(10), ['RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('should show the photographer how well guests are covered, and which photos nobody was found in', async () => {
    const res = await server.gql(EventCoverageDocument, { eventId }, { token: owner });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const c = res.data!.eventCoverage;
    assert.equal(c.photos, 6, 'the five group photos and the portrait');
    assert.ok(c.faces >= 20, `faces found: ${c.faces}`);
    assert.ok(c.matchedFaces >= RAJ_IN.length + PENNY_IN.length && c.matchedFaces < c.faces, `matched: ${c.matchedFaces}`);
    assert.equal(c.matchedShare, c.matchedFaces / c.faces);
    const unmatched = res.data!.photos.edges.map((e) => e.node.originalFilename);
    assert.equal(c.photosWithoutGuests, unmatched.length);
    assert.ok(unmatched.includes('bbt2.jpg') && unmatched.includes('howard-portrait.png') && !unmatched.includes('bbt3.jpg'), `unmatched: ${unmatched.join(', ')}`);
    assert.equal(errorCode(await server.gql(EventCoverageDocument, { eventId }, { token: guests['raj'] })), 'FORBIDDEN');
  });

  it('should forget a guest who deletes their face data: selfie, template, matches and their faces, nothing else', async () => {
    const raj = await userId(server, guests['raj']!);
    const pennyBefore = await myPhotoNames('penny');
    assert.ok(pennyBefore.length >= 1);
    const res = await server.gql(DeleteMyFaceDataDocument, {}, { token: guests['raj'] });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data!.deleteMyFaceData, true);

    for (const table of ['selfies', 'matches', 'rematch_jobs']) {
      const rows = await server.sql<{ n: number }>(`select count(*)::int as n from ${table} where user_id = ?`, [raj.id]);
      assert.equal(rows[0]!.n, 0, `${table} rows of raj remain`);
    }
    const kept = await server.sql<{ n: number }>(`select count(*)::int as n from people where owner_id = ?`, [raj.id]);
    assert.equal(kept[0]!.n, 0, 'the people raj looked for go with his face data');
    assert.deepEqual((await storedObjects(server)).filter((k) => k.includes(raj.id)), [], 'no selfie object is left');
    assert.deepEqual(await myPhotoNames('raj'), [], 'raj is found in nothing any more');
    assert.deepEqual(await myPhotoNames('penny'), pennyBefore, "penny's matches are untouched");
    // Still a member, still signed in.
    assert.equal((await server.gql(MeDocument, {}, { token: guests['raj'] })).data!.me!.id, raj.id);
  });

  it('should delete an account and leave no trace of it in any table or in the object store, closing its sockets with 4403', async () => {
    const penny = await userId(server, guests['penny']!);
    const ws = server.ws({ authorization: `Bearer ${guests['penny']}` });
    const closed = new Promise<number>((resolve) => ws.on('closed', (e) => resolve((e as { code: number }).code)));
    const beats = collect<HeartbeatSubscription, { intervalSeconds: number }>(ws, HeartbeatDocument, { intervalSeconds: 1 });
    await beats.until((v) => v.length >= 1);

    // Leaving the event takes the matches of the people she looks for with hers.
    const childMatches = async () => (await server.sql<{ n: number }>(`select count(*)::int as n from matches where person_id = ?`, [pennysChild]))[0]!.n;
    assert.ok((await childMatches()) > 0, "penny's child was found");
    assert.equal((await server.gql(LeaveEventDocument, { eventId }, { token: guests['penny'] })).errors, undefined);
    assert.equal(await childMatches(), 0, "her child's matches left with her");

    const res = await server.gql(DeleteAccountDocument, {}, { token: guests['penny'] });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(await closed, 4403);
    assert.ok(pennysChild, 'penny looked for someone');
    assert.deepEqual(await rowsMentioning(server, [penny.id, penny.email, pennysChild, 'Bernadette junior']), []);
    assert.deepEqual((await storedObjects(server)).filter((k) => k.includes(penny.id)), []);
    assert.equal(errorCode(await server.gql(MeDocument, {}, { token: guests['penny'] })), 'UNAUTHENTICATED');
    beats.dispose();
  });

  it("should refuse a retention longer than 3 years and show the event's retention", async () => {
    const tooLong = await server.gql(CreateEventDocument, { input: { name: 'Forever', date: '2026-06-01', faceRetentionDays: 1096 } }, { token: owner });
    assert.equal(errorCode(tooLong), 'BAD_USER_INPUT');
    assert.match(tooLong.errors![0]!.message, /faceRetentionDays/);
    const shown = (await server.gql(EventRetentionDocument, { id: eventId }, { token: owner })).data!.event!;
    assert.equal(shown.faceRetentionDays, 30);
    const expected = new Date(`${shown.date}T00:00:00Z`);
    expected.setUTCDate(expected.getUTCDate() + 30);
    assert.equal(shown.faceDataExpiresOn, expected.toISOString().slice(0, 10));
    assert.equal(shown.faceDataPurgedAt, null);

    // Photos of a wedding long past still get their whole period, counted from the day the event was created.
    const old = await server.gql(CreateEventDocument, { input: { name: 'Last winter', date: '2026-01-10' } }, { token: owner });
    const oldId = old.data!.createEvent.id;
    const oldShown = (await server.gql(EventRetentionDocument, { id: oldId }, { token: owner })).data!.event!;
    const fromCreation = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    fromCreation.setUTCDate(fromCreation.getUTCDate() + 90);
    assert.equal(oldShown.faceDataExpiresOn, fromCreation.toISOString().slice(0, 10));
    await new Promise((r) => setTimeout(r, 1500)); // a scheduled sweep runs every second here
    assert.equal((await server.gql(EventRetentionDocument, { id: oldId }, { token: owner })).data!.event!.faceDataPurgedAt, null);
  });

  it('should purge face data past the retention period on schedule (clock moved), keeping the photos', async () => {
    // A guest who still has a selfie and matches in this event.
    const howard = await newAccount(server, 'PARTICIPANT', 'howard');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: howard });
    assert.equal((await sendSelfie(server, howard, await identityPhoto('raj', 4))).status, 'DONE');
    const howardId = (await userId(server, howard)).id;
    const before = await server.sql<{ n: number }>(`select count(*)::int as n from faces f join photos p on p.id = f.photo_id where p.event_id = ?`, [eventId]);
    assert.ok(before[0]!.n > 0);

    const ownerEmail = (await userId(server, owner)).email;
    const purgedAt = async () => (await server.sql<{ at: Date | null }>(`select face_data_purged_at as at from events where id = ?`, [eventId]))[0]!.at;
    // Two scheduled sweeps inside the period change nothing.
    clock.advance(29 * 24 * 3600);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await purgedAt(), null);

    clock.advance(3 * 24 * 3600);
    for (let i = 0; i < 100 && !(await purgedAt()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await purgedAt(), 'the scheduled job purged the event');
    // A month on, sessions have expired: the photographer signs in again.
    owner = (await server.gql(LoginDocument, { input: { email: ownerEmail, password: 'long enough password' } })).data!.login.token;
    assert.ok((await server.gql(EventRetentionDocument, { id: eventId }, { token: owner })).data!.event!.faceDataPurgedAt);
    const faces = await server.sql<{ n: number }>(`select count(*)::int as n from faces f join photos p on p.id = f.photo_id where p.event_id = ?`, [eventId]);
    assert.equal(faces[0]!.n, 0, 'no face template is left in the event');
    const matches = await server.sql<{ n: number }>(`select count(*)::int as n from matches m join photos p on p.id = m.photo_id where p.event_id = ?`, [eventId]);
    assert.equal(matches[0]!.n, 0);
    // howard has no other event: his selfie and template went too.
    for (let i = 0; i < 50; i++) {
      if ((await server.sql<{ n: number }>(`select count(*)::int as n from selfies where user_id = ?`, [howardId]))[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await server.sql<{ n: number }>(`select count(*)::int as n from selfies where user_id = ?`, [howardId]))[0]!.n, 0);
    assert.deepEqual((await storedObjects(server)).filter((k) => k.includes(howardId)), []);
    // The photographer keeps the photos.
    const photo = await waitForPhoto(server, owner, photoIds.get('bbt1.jpg')!);
    assert.equal(photo.status, 'DONE');
    assert.ok(photo.thumbnailUrl);
  });

  it('should delete a photographer with their events, photos and files', async () => {
    const me = await userId(server, owner);
    const res = await server.gql(DeleteAccountDocument, {}, { token: owner });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual(await rowsMentioning(server, [me.id, me.email, eventId]), []);
    assert.deepEqual((await storedObjects(server)).filter((k) => k.includes(eventId)), [], 'every photo file is gone');
  });
});
