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
  type HeartbeatSubscription,
} from './generated/graphql.js';
import { newAccount, sendSelfie, uploadPhotos, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, TestClock, type TestServer } from './support/harness.js';
import { devGroupPhoto, identityPhoto } from './support/images.js';
import { collect } from './support/live.js';

/** Which dev group photos show whom (test/fixtures/faces/manifest.json). */
const RAJ_IN = ['bbt1.jpg', 'bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg'];

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

    const res = await server.gql(DeleteAccountDocument, {}, { token: guests['penny'] });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(await closed, 4403);
    assert.deepEqual(await rowsMentioning(server, [penny.id, penny.email]), []);
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
