import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompletePhotoUploadsDocument,
  CompleteSelfieUploadDocument,
  JoinEventDocument,
  MyNewPhotosDocument,
  MyPhotosDocument,
  PhotoDocument,
  RematchJobDocument,
  MySelfieDocument,
  RejectMatchDocument,
  RematchProgressDocument,
  RequestPhotoUploadsDocument,
  RequestSelfieUploadDocument,
  SetPhotoVisibilityDocument,
  type MyNewPhotosSubscription,
  type RematchProgressSubscription,
} from './generated/graphql.js';
import { newAccount, newEvent, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { devGroupPhoto, identityPhoto } from './support/images.js';
import { collect } from './support/live.js';
import { uploadTo } from './support/upload.js';

const LABELS: Record<string, string[]> = {
  raj: ['bbt1.jpg', 'bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg'],
  penny: ['bbt3.jpg', 'bbt4.jpg', 'bbt5.jpg'],
};

describe('find my photos (local engine, end to end)', () => {
  let server: TestServer;
  let owner: string;
  let eventId: string;
  let code: string;
  const guests: Record<string, string> = {};
  let rajAfterIngest: string[] = [];
  const photoIds = new Map<string, string>();

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, env: { FACE_RECOGNIZER_PROVIDER: 'local', FACE_WORKER_THREADS: '2' } });
    ({ owner, eventId, code } = await newEvent(server, 'Wedding'));
    for (const who of ['raj', 'penny', 'stuart', 'howard']) guests[who] = await newAccount(server, 'PARTICIPANT', who);
  });
  after(() => server.close());

  async function join(who: string) {
    const res = await server.gql(JoinEventDocument, { code, consent: true }, { token: guests[who] });
    assert.equal(res.errors, undefined);
  }

  /** Uploads a selfie and returns the rematch job id. */
  async function sendSelfie(who: string, bytes: Buffer, contentType = 'image/png'): Promise<string> {
    const req = await server.gql(RequestSelfieUploadDocument, { input: { filename: 'me.png', contentType, byteSize: bytes.length } }, { token: guests[who] });
    assert.equal(req.errors, undefined, JSON.stringify(req.errors));
    assert.equal((await uploadTo(req.data!.requestSelfieUpload.upload, bytes, contentType)).status, 200);
    const done = await server.gql(CompleteSelfieUploadDocument, { id: req.data!.requestSelfieUpload.id }, { token: guests[who] });
    assert.equal(done.errors, undefined, JSON.stringify(done.errors));
    return done.data!.completeSelfieUpload.id;
  }

  async function finished(who: string, jobId: string) {
    for (let i = 0; i < 300; i++) {
      const job = (await server.gql(RematchJobDocument, { id: jobId }, { token: guests[who] })).data!.rematchJob!;
      if (['DONE', 'FAILED', 'VALIDATION_FAILED'].includes(job.status)) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('rematch did not finish');
  }

  async function myPhotoNames(who: string): Promise<string[]> {
    const res = await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token: guests[who] });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data!.myPhotos.totalCount, res.data!.myPhotos.edges.length);
    return res.data!.myPhotos.edges.map((e) => e.node.originalFilename).sort();
  }

  it('should refuse a selfie to someone who has not joined an event', async () => {
    const res = await server.gql(RequestSelfieUploadDocument, { input: { filename: 'me.png', contentType: 'image/png', byteSize: 100 } }, { token: guests['howard'] });
    assert.equal(errorCode(res), 'FORBIDDEN');
  });

  it('should validate a selfie, report progress in order, and push photos that show the guest as they are processed', async () => {
    await join('raj');
    const ws = server.ws({ authorization: `Bearer ${guests['raj']}` });
    const progress = collect<RematchProgressSubscription, Record<string, never>>(ws, RematchProgressDocument, {});
    await new Promise((r) => setTimeout(r, 150));
    const jobId = await sendSelfie('raj', await identityPhoto('raj', 5));
    await progress.until((v) => v.some((p) => p.rematchProgress.status === 'DONE'));
    const statuses = progress.values.filter((p) => p.rematchProgress.job.id === jobId).map((p) => p.rematchProgress.status);
    assert.equal(statuses.at(-1), 'DONE');
    assert.deepEqual([...new Set(statuses)], (['QUEUED', 'RUNNING', 'DONE'] as string[]).filter((s) => statuses.includes(s as never)), `in order: ${statuses.join(' → ')}`);
    assert.equal(progress.values.at(-1)!.rematchProgress.matched, 0, 'no photos yet');
    progress.dispose();

    const news = collect<MyNewPhotosSubscription, { eventId: string }>(ws, MyNewPhotosDocument, { eventId });
    await new Promise((r) => setTimeout(r, 150));
    const photos = await Promise.all(([1, 2, 3, 4, 5] as const).map(devGroupPhoto));
    const targets = (
      await server.gql(
        RequestPhotoUploadsDocument,
        { eventId, files: photos.map((p, i) => ({ filename: `bbt${i + 1}.jpg`, contentType: 'image/jpeg', byteSize: p.length })) },
        { token: owner },
      )
    ).data!.requestPhotoUploads;
    for (const [i, t] of targets.entries()) {
      await uploadTo(t.upload, photos[i]!, 'image/jpeg');
      photoIds.set(`bbt${i + 1}.jpg`, t.photo.id);
    }
    await server.gql(CompletePhotoUploadsDocument, { photoIds: targets.map((t) => t.photo.id) }, { token: owner });
    for (const t of targets) assert.equal((await waitForPhoto(server, owner, t.photo.id, 60_000)).status, 'DONE');

    rajAfterIngest = await myPhotoNames('raj');
    await news.until((v) => v.length >= rajAfterIngest.length, 10_000);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate push would show up now
    const pushed = news.values.map((n) => n.myNewPhotos.originalFilename).sort();
    assert.deepEqual(pushed, rajAfterIngest, 'each newly matched photo was pushed once');
    assert.ok(rajAfterIngest.length >= 2, `raj found in ${rajAfterIngest.join(', ')}`);
    for (const name of rajAfterIngest) assert.ok(LABELS['raj']!.includes(name), `${name} really shows raj`);
    news.dispose();
  });

  it('should match a selfie sent after the photos, live, ending DONE with the right count', async () => {
    await join('penny');
    const ws = server.ws({ authorization: `Bearer ${guests['penny']}` });
    const progress = collect<RematchProgressSubscription, Record<string, never>>(ws, RematchProgressDocument, {});
    await new Promise((r) => setTimeout(r, 150));
    const jobId = await sendSelfie('penny', await identityPhoto('penny', 1));
    await progress.until((v) => v.some((p) => p.rematchProgress.status === 'DONE'));
    const mine = progress.values.filter((p) => p.rematchProgress.job.id === jobId).map((p) => p.rematchProgress);
    const processed = mine.map((p) => p.processed);
    assert.deepEqual(processed, [...processed].sort((a, b) => a - b), 'processed only grows');
    const last = mine.at(-1)!;
    assert.equal(last.total, 5);
    assert.equal(last.processed, 5);
    const names = await myPhotoNames('penny');
    assert.equal(last.matched, names.length);
    assert.ok(names.length >= 2, `penny found in ${names.join(', ')}`);
    for (const name of names) assert.ok(LABELS['penny']!.includes(name), `${name} really shows penny`);
    progress.dispose();
  });

  it('should give the same matches whether the selfie came before or after the photos', async () => {
    const job = await finished('raj', await sendSelfie('raj', await identityPhoto('raj', 5)));
    assert.equal(job.status, 'DONE');
    assert.deepEqual(await myPhotoNames('raj'), rajAfterIngest);
    assert.equal(job.matched, rajAfterIngest.length);
  });

  it("should keep each guest to their own matches and never show a photo they are not in", async () => {
    const raj = await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token: guests['raj'] });
    for (const edge of raj.data!.myPhotos.edges) {
      const m = edge.node.myMatch!;
      assert.ok(m.similarity >= 50 && m.similarity <= 100, `similarity ${m.similarity}`);
      for (const v of [m.box.left, m.box.top, m.box.width, m.box.height]) assert.ok(v >= 0 && v <= 1);
    }
    const rajNames = new Set(rajAfterIngest);
    const notRaj = [...photoIds.entries()].filter(([name]) => !rajNames.has(name));
    assert.ok(notRaj.length > 0);
    for (const [, id] of notRaj) assert.equal(errorCode(await server.gql(PhotoDocument, { id }, { token: guests['raj'] })), 'NOT_FOUND');
    // A photo both are in: each sees their own face box, not the other's.
    const pennyNames = await myPhotoNames('penny');
    const shared = pennyNames.find((n) => rajNames.has(n));
    if (shared) {
      const id = photoIds.get(shared)!;
      const asRaj = (await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token: guests['raj'] })).data!.myPhotos.edges.find((e) => e.node.id === id)!;
      const asPenny = (await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token: guests['penny'] })).data!.myPhotos.edges.find((e) => e.node.id === id)!;
      assert.notDeepEqual(asRaj.node.myMatch!.box, asPenny.node.myMatch!.box);
    }
    assert.equal(errorCode(await server.gql(MyPhotosDocument, { eventId }, { token: guests['howard'] })), 'NOT_FOUND', 'not a member');
  });

  it('should refuse unusable selfies with a message the guest can act on, keeping the previous selfie in force', async () => {
    await join('stuart');
    const first = await finished('stuart', await sendSelfie('stuart', await identityPhoto('stuart', 1)));
    assert.equal(first.status, 'DONE');
    assert.equal(first.matched, 0, 'stuart is in no photo');
    assert.deepEqual(await myPhotoNames('stuart'), []);

    const group = await finished('stuart', await sendSelfie('stuart', await devGroupPhoto(1), 'image/jpeg'));
    assert.deepEqual([group.status, group.message], ['VALIDATION_FAILED', 'We found 4 faces: take the selfie alone.']);
    const text = await finished('stuart', await sendSelfie('stuart', Buffer.from('not a picture at all'), 'image/jpeg'));
    assert.equal(text.status, 'VALIDATION_FAILED');
    assert.match(text.message ?? '', /not a photo/);
    const active = await server.sql<{ n: number }>(
      `select count(*)::int as n from selfies s join users u on u.id = s.user_id where u.display_name = 'stuart' and s.status = 'ACTIVE'`,
    );
    assert.equal(active[0]?.n, 1, 'the first selfie stays in force');

    const shown = photoIds.get('bbt2.jpg')!;
    await server.gql(SetPhotoVisibilityDocument, { id: shown, showInGeneral: true }, { token: owner });
    const general = await server.gql(MyPhotosDocument, { eventId }, { token: guests['stuart'] });
    assert.deepEqual(general.data!.myPhotos.edges.map((e) => [e.node.id, e.node.myMatch]), [[shown, null]], 'general photos, without a match');
  });

  it('should replace a selfie and its matches atomically, forgetting the old template', async () => {
    const job = await finished('penny', await sendSelfie('penny', await identityPhoto('penny', 2)));
    assert.equal(job.status, 'DONE');
    const rows = await server.sql<{ status: string; has_vector: boolean }>(
      `select s.status, s.vector is not null as has_vector from selfies s join users u on u.id = s.user_id where u.display_name = 'penny' order by s.created_at`,
    );
    assert.deepEqual(rows.map((r) => [r.status, r.has_vector]), [
      ['REPLACED', false],
      ['ACTIVE', true],
    ]);
    const matches = await server.sql<{ n: number }>(
      `select count(*)::int as n from matches m join users u on u.id = m.user_id where u.display_name = 'penny' and m.source = 'REMATCH'`,
    );
    assert.equal(matches[0]?.n, job.matched);
  });

  it('should keep a photo the guest said "not me" to out of their gallery, through a new selfie and its rematch', async () => {
    const before = await myPhotoNames('raj');
    const name = rajAfterIngest.find((n) => before.includes(n))!;
    assert.ok(name, 'raj is found in at least one photo');
    const photoId = photoIds.get(name)!;
    const rejected = await server.gql(RejectMatchDocument, { photoId }, { token: guests['raj'] });
    assert.equal(rejected.data?.rejectMatch, photoId, 'the id comes back, for caches to evict');
    assert.deepEqual(await myPhotoNames('raj'), before.filter((n) => n !== name));
    assert.equal(errorCode(await server.gql(PhotoDocument, { id: photoId }, { token: guests['raj'] })), 'NOT_FOUND', 'no longer his to see');

    const job = await finished('raj', await sendSelfie('raj', await identityPhoto('raj', 2)));
    assert.equal(job.status, 'DONE');
    assert.deepEqual(await myPhotoNames('raj'), before.filter((n) => n !== name), 'the rematch finds him again everywhere but there');
    const state = await server.gql(MySelfieDocument, {}, { token: guests['raj'] });
    assert.equal(state.data?.mySelfie?.status, 'ACTIVE');
    assert.equal(state.data?.mySelfie?.lastJob?.id, job.id);
    assert.equal(state.data?.mySelfie?.lastJob?.status, 'DONE');
  });
});
