import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  JoinEventDocument,
  LeaveEventDocument,
  MyNewPhotosDocument,
  MyPhotosDocument,
  SetParticipantApprovalDocument,
  UpdateEventDocument,
  type MyNewPhotosSubscription,
} from './generated/graphql.js';
import { newAccount, newEvent, sendSelfie, uploadPhotos, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { devGroupPhoto, identityPhoto } from './support/images.js';
import { collect } from './support/live.js';

/**
 * Guest approval with the real face model: a guest waiting for approval, or
 * refused, is never searched and learns nothing; an open socket stops at the
 * refusal (or when the guest leaves, or the event goes); a new selfie is no
 * way to collect someone else's photos.
 */
describe('guest approval holds on open sockets and in matching', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, env: { FACE_RECOGNIZER_PROVIDER: 'local', FACE_WORKER_THREADS: '2' } });
  });
  after(() => server.close());

  /** An event that approves each guest, with photos already processed. */
  async function approvalEvent(photos: (1 | 2 | 3 | 4 | 5)[]) {
    const event = await newEvent(server, 'Gala');
    await server.gql(UpdateEventDocument, { id: event.eventId, input: { settings: { guestApproval: true } } }, { token: event.owner });
    const ids = await uploadPhotos(server, event.owner, event.eventId, await Promise.all(photos.map(async (n) => ({ name: `bbt${n}.jpg`, bytes: await devGroupPhoto(n) }))));
    for (const id of ids) assert.equal((await waitForPhoto(server, event.owner, id, 60_000)).status, 'DONE');
    return { ...event, ids };
  }

  async function joinAs(code: string, name: string): Promise<{ token: string; membership: string }> {
    const token = await newAccount(server, 'PARTICIPANT', name);
    const joined = await server.gql(JoinEventDocument, { code, consent: true }, { token });
    assert.equal(joined.data?.joinEvent.status, 'PENDING');
    return { token, membership: joined.data!.joinEvent.id };
  }

  const decide = async (owner: string, membership: string, approved: boolean) =>
    assert.equal((await server.gql(SetParticipantApprovalDocument, { id: membership, approved }, { token: owner })).errors, undefined);

  const matchesOf = async (token: string, eventId: string) => {
    const page = await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token });
    return page.data?.myPhotos.edges.map((e) => e.node.originalFilename).sort();
  };

  const storedMatches = async (membership: string) =>
    (await server.sql<{ n: number }>(`select count(*)::int as n from matches m join participations p on p.user_id = m.user_id where p.id = ?`, [membership]))[0]!.n;

  it('should not search a waiting guest nor tell them what they are in; approval searches them and announces their photos', async () => {
    const { owner, eventId, code } = await approvalEvent([3, 4, 2]);
    const raj = await joinAs(code, 'Raj');
    const job = await sendSelfie(server, raj.token, await identityPhoto('raj', 5));
    assert.equal(job.status, 'DONE');
    assert.equal(job.matched, 0, 'a waiting guest learns nothing of the photos they are in');
    assert.equal(await storedMatches(raj.membership), 0, 'and is not searched at all');
    assert.equal(errorCode(await server.gql(MyPhotosDocument, { eventId, first: 50 }, { token: raj.token })), 'FORBIDDEN');

    await decide(owner, raj.membership, true);
    // Approval searches them: their photo arrives without a new selfie.
    const deadline = Date.now() + 30_000;
    while ((await matchesOf(raj.token, eventId))?.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const found = (await matchesOf(raj.token, eventId))!;
    assert.ok(found.length >= 1, 'approval found Raj');
    for (const name of found) assert.ok(['bbt3.jpg', 'bbt4.jpg'].includes(name), `${name} shows Raj`);
  });

  it('should stop a socket opened while approved at the refusal, and push nothing of a stranger whose selfie the refused guest sends', async () => {
    const { owner, eventId, code } = await approvalEvent([3, 4, 2]);
    const raj = await joinAs(code, 'Raj');
    await decide(owner, raj.membership, true);
    assert.ok((await sendSelfie(server, raj.token, await identityPhoto('raj', 5))).matched >= 1);
    assert.ok(!(await matchesOf(raj.token, eventId))!.includes('bbt2.jpg'));

    const socket = collect<MyNewPhotosSubscription, { eventId: string }>(server.ws({ authorization: `Bearer ${raj.token}` }), MyNewPhotosDocument, { eventId });
    await new Promise((r) => setTimeout(r, 300));
    await decide(owner, raj.membership, false);
    assert.equal(await socket.ended(), 'complete', 'the refusal ends the subscription');

    // The impostor attack: a selfie of Leonard, who is in bbt2.jpg.
    const job = await sendSelfie(server, raj.token, await identityPhoto('leonard', 1));
    assert.equal(job.matched, 0);
    const [leonardMatches] = await server.sql<{ n: number }>(
      `select count(*)::int as n from matches m join photos ph on ph.id = m.photo_id join participations p on p.user_id = m.user_id where p.id = ? and ph.original_filename = 'bbt2.jpg'`,
      [raj.membership],
    );
    assert.equal(leonardMatches!.n, 0, 'a refused guest is not searched');
    assert.deepEqual(socket.values, [], 'nothing was pushed after the refusal');
    // A new socket is refused outright.
    const again = collect<MyNewPhotosSubscription, { eventId: string }>(server.ws({ authorization: `Bearer ${raj.token}` }), MyNewPhotosDocument, { eventId });
    const errors = (await again.failure()) as { extensions?: { code?: string } }[];
    assert.equal(errors[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('should announce only photos a guest did not already have when they send a new selfie', async () => {
    const { owner, eventId, code } = await approvalEvent([3, 4]);
    const raj = await joinAs(code, 'Raj');
    await decide(owner, raj.membership, true);
    await sendSelfie(server, raj.token, await identityPhoto('raj', 5));
    const had = await matchesOf(raj.token, eventId);
    assert.ok(had && had.length >= 1, `Raj is found (${JSON.stringify(had)})`);
    const socket = collect<MyNewPhotosSubscription, { eventId: string }>(server.ws({ authorization: `Bearer ${raj.token}` }), MyNewPhotosDocument, { eventId });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await sendSelfie(server, raj.token, await identityPhoto('raj', 4))).status, 'DONE');
    // A photo added now is news.
    const [later] = await uploadPhotos(server, owner, eventId, [{ name: 'bbt5.jpg', bytes: await devGroupPhoto(5) }]);
    await waitForPhoto(server, owner, later!, 60_000);
    await socket.until((v) => v.some((p) => p.myNewPhotos.originalFilename === 'bbt5.jpg'), 30_000);
    const pushed = socket.values.map((v) => v.myNewPhotos.originalFilename);
    for (const name of had!) assert.ok(!pushed.includes(name), `${name} was already in the gallery: not announced again (${JSON.stringify(pushed)})`);
    socket.dispose();
  });

  it("should end a guest's socket when they leave, and when the event is deleted", async () => {
    const { owner, eventId, code } = await approvalEvent([2]);
    const ana = await joinAs(code, 'Ana');
    await decide(owner, ana.membership, true);
    const mine = collect<MyNewPhotosSubscription, { eventId: string }>(server.ws({ authorization: `Bearer ${ana.token}` }), MyNewPhotosDocument, { eventId });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await server.gql(LeaveEventDocument, { eventId }, { token: ana.token })).errors, undefined);
    assert.equal(await mine.ended(), 'complete', 'leaving ends it');

    const bo = await joinAs(code, 'Bo');
    await decide(owner, bo.membership, true);
    const guest = collect<MyNewPhotosSubscription, { eventId: string }>(server.ws({ authorization: `Bearer ${bo.token}` }), MyNewPhotosDocument, { eventId });
    await new Promise((r) => setTimeout(r, 300));
    const deleted = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
      body: JSON.stringify({ query: `mutation { deleteEvent(id: "${eventId}") }` }),
    });
    assert.equal(((await deleted.json()) as { errors?: unknown }).errors, undefined);
    assert.equal(await guest.ended(), 'complete', "the guest's socket ends with the event");
  });
});
