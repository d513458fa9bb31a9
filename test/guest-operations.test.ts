import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ChangePasswordDocument,
  DeleteMyFaceDataDocument,
  JoinEventDocument,
  LeaveEventDocument,
  LoginDocument,
  MeDocument,
  MyPhotosDocument,
  MySelfieDocument,
  RematchProgressDocument,
  type RematchProgressSubscription,
  SetPhotosVisibilityDocument,
  UpdateProfileDocument,
} from './generated/graphql.js';
import { newEvent, sendSelfie, uploadPhotos, waitForPhoto } from './support/flows.js';
import { collect } from './support/live.js';
import { PgMatchRepository } from '../src/adapters/pg/pg.match.repository.js';
import { errorCode, plainHasher, startTestServer, uniqueEmail, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';

const PASSWORD = 'long enough password';

/** What guests and photographers do besides finding photos: leave, see their selfie, change their account, show photos in bulk. */
describe('guest and photographer operations', () => {
  let server: TestServer;
  let event: { owner: string; eventId: string; code: string };
  let photoIds: string[];
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true });
    event = await newEvent(server, 'Garden party');
    photoIds = await uploadPhotos(server, event.owner, event.eventId, (await generatedPhotos(3, 300)).map((bytes, i) => ({ name: `${i}.jpg`, bytes })));
    for (const id of photoIds) await waitForPhoto(server, event.owner, id);
  });
  after(() => server.close());

  async function guest(): Promise<{ email: string; token: string; refreshToken: string }> {
    const email = uniqueEmail('g');
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($i: RegisterInput!) { register(input: $i) { token refreshToken } }',
        variables: { i: { email, password: PASSWORD, displayName: 'Guest', role: 'PARTICIPANT' } },
      }),
    });
    const { data } = (await res.json()) as { data: { register: { token: string; refreshToken: string } } };
    return { email, ...data.register };
  }

  it('should let a guest leave an event: their matches there go, the gallery is closed to them, and they may come back', async () => {
    const { token } = await guest();
    assert.equal((await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token })).errors, undefined);
    const me = (await server.gql(MeDocument, {}, { token })).data!.me!.id;
    // A match as the pipeline would have made it, to see it go.
    await server.sql(
      `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, created_at) values (gen_random_uuid(), ?, 0, 0.1, 0.1, 0.2, 0.2, 0.99, now())`,
      [photoIds[0]],
    );
    await server.sql(
      `insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at) select gen_random_uuid(), ?, ?, ?, f.id, 80, 'INGEST', now() from faces f where f.photo_id = ?`,
      [photoIds[0], me, me, photoIds[0]],
    );
    assert.equal((await server.gql(MyPhotosDocument, { eventId: event.eventId }, { token })).data?.myPhotos.totalCount, 1);

    const left = await server.gql(LeaveEventDocument, { eventId: event.eventId }, { token });
    assert.equal(left.data?.leaveEvent, event.eventId);
    assert.equal(errorCode(await server.gql(MyPhotosDocument, { eventId: event.eventId }, { token })), 'NOT_FOUND');
    assert.deepEqual(await server.sql('select id from matches where user_id = ?', [me]), []);
    assert.deepEqual(await server.sql('select id from participations where user_id = ?', [me]), []);
    assert.equal(errorCode(await server.gql(LeaveEventDocument, { eventId: event.eventId }, { token })), 'NOT_FOUND', 'not a member any more');

    assert.equal((await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token })).errors, undefined, 'joining again works');
    assert.equal((await server.gql(MyPhotosDocument, { eventId: event.eventId }, { token })).data?.myPhotos.totalCount, 0, 'with nothing from before');
  });

  it('should tell a guest who reloads where their selfie stands, and give a late subscriber the last job first', async () => {
    const { token } = await guest();
    const none = await server.gql(MySelfieDocument, {}, { token });
    assert.equal(none.errors, undefined);
    assert.equal(none.data?.mySelfie, null, 'no selfie yet');
    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token });
    const job = await sendSelfie(server, token, (await generatedPhotos(1, 400))[0]!, 'image/jpeg');

    const state = (await server.gql(MySelfieDocument, {}, { token })).data!.mySelfie!;
    assert.equal(state.lastJob?.id, job.id);
    assert.equal(state.lastJob?.status, job.status);
    assert.ok(Math.abs(Date.parse(state.uploadedAt) - Date.now()) < 60_000);
    assert.equal(state.status, job.status === 'DONE' ? 'ACTIVE' : 'REJECTED');

    // Subscribing after the job ended: its final state arrives at once.
    const progress = collect<RematchProgressSubscription, Record<string, never>>(server.ws({ authorization: `Bearer ${token}` }), RematchProgressDocument, {});
    const [first] = await progress.until((v) => v.length >= 1);
    assert.equal(first!.rematchProgress.job.id, job.id);
    assert.equal(first!.rematchProgress.status, job.status);
    progress.dispose();
  });

  it('should change a password only with the current one, signing the other devices out and keeping this one', async () => {
    const { email, token } = await guest();
    const other = await server.gql(LoginDocument, { input: { email, password: PASSWORD } });
    const otherToken = other.data!.login.token;

    const wrong = await server.gql(ChangePasswordDocument, { input: { currentPassword: 'not my password', newPassword: 'a brand new passphrase' } }, { token });
    assert.equal(errorCode(wrong), 'BAD_USER_INPUT');
    assert.equal(wrong.errors?.[0]?.extensions?.['field'], 'currentPassword');
    const short = await server.gql(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: 'short' } }, { token });
    assert.equal(short.errors?.[0]?.extensions?.['field'], 'newPassword');

    const changed = await server.gql(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } }, { token });
    assert.equal(changed.data?.changePassword, true);
    assert.ok((await server.gql(MeDocument, {}, { token })).data?.me?.id, 'this device stays signed in');
    assert.equal(errorCode(await server.gql(MeDocument, {}, { token: otherToken })), 'UNAUTHENTICATED', 'the other device is signed out');
    assert.equal(errorCode(await server.gql(LoginDocument, { input: { email, password: PASSWORD } })), 'UNAUTHENTICATED', 'the old password is refused');
    assert.equal((await server.gql(LoginDocument, { input: { email, password: 'a brand new passphrase' } })).errors, undefined);
  });

  it('should change the display name, refusing an empty one', async () => {
    const { token } = await guest();
    const renamed = await server.gql(UpdateProfileDocument, { input: { displayName: '  Zoé Martin ' } }, { token });
    assert.equal(renamed.data?.updateProfile.displayName, 'Zoé Martin');
    assert.equal((await server.gql(MeDocument, {}, { token })).data?.me?.displayName, 'Zoé Martin');
    const empty = await server.gql(UpdateProfileDocument, { input: { displayName: '   ' } }, { token });
    assert.equal(errorCode(empty), 'BAD_USER_INPUT');
    assert.equal((await server.gql(MeDocument, {}, { token })).data?.me?.displayName, 'Zoé Martin', 'nothing changed');
  });

  it('should show several photos at once, all or none: one photo of another event refuses the whole list', async () => {
    const stranger = await newEvent(server, 'Other party');
    const [foreign] = await uploadPhotos(server, stranger.owner, stranger.eventId, [{ name: 'x.jpg', bytes: (await generatedPhotos(1, 200))[0]! }]);
    const refused = await server.gql(SetPhotosVisibilityDocument, { ids: [photoIds[1]!, foreign!], showInGeneral: true }, { token: event.owner });
    assert.equal(errorCode(refused), 'NOT_FOUND');
    const rows = await server.sql<{ n: number }>('select count(*)::int as n from photos where id in (?, ?) and show_in_general', [photoIds[1], photoIds[2]]);
    assert.equal(rows[0]!.n, 0, 'none changed');

    const shown = await server.gql(SetPhotosVisibilityDocument, { ids: [photoIds[2]!, photoIds[1]!], showInGeneral: true }, { token: event.owner });
    assert.deepEqual(shown.data?.setPhotosVisibility.map((p) => [p.id, p.showInGeneral]), [
      [photoIds[2], true],
      [photoIds[1], true],
    ]);
    const { token } = await guest();
    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token });
    const gallery = await server.gql(MyPhotosDocument, { eventId: event.eventId }, { token });
    assert.deepEqual(new Set(gallery.data?.myPhotos.edges.map((e) => e.node.id)), new Set([photoIds[1], photoIds[2]]));
  });

  it('should delete face data for one event only: matches and matched faces there go, matching stops there, the other event keeps everything', async () => {
    const other = await newEvent(server, 'Other party');
    const [otherPhoto] = await uploadPhotos(server, other.owner, other.eventId, [{ name: 'o.jpg', bytes: (await generatedPhotos(1, 300))[0]! }]);
    await waitForPhoto(server, other.owner, otherPhoto!);
    const { token } = await guest();
    for (const c of [event.code, other.code]) await server.gql(JoinEventDocument, { code: c, consent: true }, { token });
    const me = (await server.gql(MeDocument, {}, { token })).data!.me!.id;
    await server.sql(`insert into selfies (id, user_id, person_id, object_key, content_type, byte_size, status, created_at) values (gen_random_uuid(), ?, ?, 'selfies/x', 'image/jpeg', 1, 'ACTIVE', now())`, [me, me]);
    const faces: Record<string, string> = {};
    for (const photoId of [photoIds[1]!, otherPhoto!]) {
      const [face] = await server.sql<{ id: string }>(
        `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, created_at) values (gen_random_uuid(), ?, 7, 0.1, 0.1, 0.2, 0.2, 0.99, now()) returning id`,
        [photoId],
      );
      faces[photoId] = face!.id;
      await server.sql(`insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at) values (gen_random_uuid(), ?, ?, ?::uuid, ?, 80, 'INGEST', now())`, [photoId, me, me, face!.id]);
    }
    const searched = async (eventId: string) => (await new PgMatchRepository(server.app.db.orm.em.fork()).participantsWithSelfie(eventId)).some((p) => p.personId === me);
    assert.ok((await searched(event.eventId)) && (await searched(other.eventId)));

    const res = await server.gql(DeleteMyFaceDataDocument, { eventId: event.eventId }, { token });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const left = await server.sql<{ photo_id: string }>('select photo_id from matches where user_id = ?', [me]);
    assert.deepEqual(left.map((r) => r.photo_id), [otherPhoto], 'only the other event keeps a match');
    assert.deepEqual(await server.sql('select id from faces where id = ?', [faces[photoIds[1]!]]), [], 'the face it pointed to is gone');
    assert.equal((await server.sql('select id from faces where id = ?', [faces[otherPhoto!]])).length, 1);
    assert.equal(await searched(event.eventId), false, 'no longer searched for in that event');
    assert.equal(await searched(other.eventId), true);
    assert.equal((await server.sql<{ status: string }>('select status from selfies where user_id = ?', [me]))[0]!.status, 'ACTIVE', 'the selfie stays');

    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token });
    assert.equal(await searched(event.eventId), true, 'joining again consents again');
    assert.equal(errorCode(await server.gql(DeleteMyFaceDataDocument, { eventId: '00000000-0000-4000-8000-000000000000' }, { token })), 'NOT_FOUND');
  });

  it("should set an event's own match threshold (1..99), and return to the engine's default with null", async () => {
    const { owner, eventId } = await newEvent(server, 'Threshold');
    const update = async (settings: string) => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
        body: JSON.stringify({ query: `mutation($id: ID!) { updateEvent(id: $id, input: { settings: ${settings} }) { settings { matchThreshold publicGallery } } }`, variables: { id: eventId } }),
      });
      return (await res.json()) as { data?: { updateEvent: { settings: { matchThreshold: number | null; publicGallery: boolean } } }; errors?: { extensions?: Record<string, unknown> }[] };
    };
    assert.equal((await update('{ matchThreshold: 72.5 }')).data?.updateEvent.settings.matchThreshold, 72.5);
    assert.equal((await update('{ publicGallery: false }')).data?.updateEvent.settings.matchThreshold, 72.5, 'omitted: kept');
    const refused = await update('{ matchThreshold: 120 }');
    assert.equal(refused.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.equal(refused.errors?.[0]?.extensions?.['field'], 'matchThreshold');
    assert.equal((await update('{ matchThreshold: null }')).data?.updateEvent.settings.matchThreshold, null, 'null: the default again');
    const [row] = await server.sql<{ match_threshold: number | null }>('select match_threshold from events where id = ?', [eventId]);
    assert.equal(row!.match_threshold, null);
  });
});
