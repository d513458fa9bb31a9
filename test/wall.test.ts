import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { print } from 'graphql';
import {
  EventWallDocument,
  JoinEventDocument,
  RotateWallUrlDocument,
  SetPhotoVisibilityDocument,
  SetPhotosVisibilityDocument,
  UpdateEventDocument,
  WallDocument,
  WallPhotoAddedDocument,
  WallPhotoEventDocument,
  WallPhotosDocument,
  type WallPhotoAddedSubscription,
} from './generated/graphql.js';
import { newAccount, newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';
import { collect } from './support/live.js';

/** A GraphQL POST to the server at another of its names (the Host header follows). */
async function gqlAtHost(server: TestServer, host: string, query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const res = await fetch(server.url.replace('//127.0.0.1:', `//${host}:`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

/** The token at the end of a wall link. */
function tokenOf(wallUrl: string): string {
  return new URL(wallUrl).pathname.replace(/^\/wall\//, '');
}

/**
 * The venue's wall over the API: off by default, a secret link the
 * photographer can replace, no sign-in, and only what everyone may see.
 */
describe("the venue's wall (API)", () => {
  let server: TestServer;
  let images: Buffer[];
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true });
    images = await generatedPhotos(6, 640);
  });
  after(() => server.close());

  async function wallOn(owner: string, eventId: string): Promise<string> {
    const res = await server.gql(UpdateEventDocument, { id: eventId, input: { settings: { wall: true } } }, { token: owner });
    assert.equal(res.data?.updateEvent.settings?.wall, true, JSON.stringify(res.errors));
    return res.data!.updateEvent.wallUrl!;
  }

  async function processed(owner: string, eventId: string, names: string[]): Promise<string[]> {
    const ids = await uploadPhotos(server, owner, eventId, names.map((name, i) => ({ name, bytes: images[i % images.length]! })));
    for (const id of ids) assert.equal((await waitForPhoto(server, owner, id)).status, 'DONE');
    return ids;
  }

  const names = async (token: string) => (await server.gql(WallPhotosDocument, { token, first: 50 })).data!.wallPhotos.edges.map((e) => e.node.originalFilename);

  it('should be off by default, and give its owner a link at the address they used once turned on (nobody else gets it)', async () => {
    const { owner, eventId, code } = await newEvent(server, 'Garden party');
    const off = await server.gql(EventWallDocument, { id: eventId }, { token: owner });
    assert.deepEqual([off.data?.event?.settings?.wall, off.data?.event?.wallUrl], [false, null]);
    const url = await wallOn(owner, eventId);
    assert.match(url, new RegExp(`^${server.baseUrl}/wall/[A-Za-z0-9_-]{24}$`));
    // Asked at another address, the link names that address.
    const other = await gqlAtHost(server, 'localhost', print(EventWallDocument), { id: eventId }, owner);
    assert.equal(other.data.event.wallUrl, url.replace('//127.0.0.1:', '//localhost:'));
    // The same link every time, until it is replaced.
    assert.equal((await server.gql(EventWallDocument, { id: eventId }, { token: owner })).data?.event?.wallUrl, url);
    // A guest of the event never sees the link.
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    const seen = await server.gql(EventWallDocument, { id: eventId }, { token: guest });
    assert.equal(seen.data?.event?.wallUrl, null);
    // Without sign-in, the link gives the event's name and where guests join: for the QR code on the screen.
    const info = await gqlAtHost(server, 'localhost', print(WallDocument), { token: tokenOf(url) });
    assert.deepEqual(info.data.wall, { eventName: 'Garden party', joinUrl: `${new URL(server.baseUrl.replace('//127.0.0.1:', '//localhost:')).origin}/e/${code}` });
  });

  it('should show only processed photos shown to everyone, newest first, paged, with renditions and no original', async () => {
    const { owner, eventId } = await newEvent(server, 'Race');
    const token = tokenOf(await wallOn(owner, eventId));
    assert.deepEqual(await names(token), []);
    const ids = await processed(owner, eventId, ['a.jpg', 'b.jpg', 'c.jpg', 'hidden.jpg']);
    // Nothing is shown to everyone yet: the wall stays empty.
    assert.deepEqual(await names(token), []);
    await server.gql(SetPhotosVisibilityDocument, { ids: ids.slice(0, 3), showInGeneral: true }, { token: owner });
    assert.deepEqual(await names(token), ['c.jpg', 'b.jpg', 'a.jpg']);
    const first = (await server.gql(WallPhotosDocument, { token, first: 2 })).data!.wallPhotos;
    assert.equal(first.totalCount, 3);
    assert.equal(first.pageInfo.hasNextPage, true);
    const rest = (await server.gql(WallPhotosDocument, { token, first: 2, after: first.pageInfo.endCursor })).data!.wallPhotos;
    assert.deepEqual(rest.edges.map((e) => e.node.originalFilename), ['a.jpg']);
    // The screen gets renditions that load, never the original.
    const node = first.edges[0]!.node;
    assert.equal(node.downloadUrl, null);
    for (const url of [node.thumbnailUrl!, node.displayUrl!]) assert.equal((await fetch(url)).status, 200);
    // A photo's event is not for the wall: its code and settings stay with signed-in people.
    const leak = await server.gql(WallPhotoEventDocument, { token });
    assert.equal(errorCode(leak), 'UNAUTHENTICATED');
    assert.equal(leak.data?.wallPhotos.edges[0]?.node ?? null, null);
    // A private gallery shows nobody anything: nor does the wall.
    await server.gql(UpdateEventDocument, { id: eventId, input: { settings: { publicGallery: false } } }, { token: owner });
    assert.deepEqual(await names(token), []);
    await server.gql(UpdateEventDocument, { id: eventId, input: { settings: { publicGallery: true } } }, { token: owner });
    // Hidden again: gone from the wall.
    await server.gql(SetPhotoVisibilityDocument, { id: ids[2]!, showInGeneral: false }, { token: owner });
    assert.deepEqual(await names(token), ['b.jpg', 'a.jpg']);
  });

  it('should push a photo as it is shown, or as it is processed when already shown, and never a hidden one', async () => {
    const { owner, eventId } = await newEvent(server, 'Gala');
    const token = tokenOf(await wallOn(owner, eventId));
    const wall = collect<WallPhotoAddedSubscription, { token: string }>(server.ws(), WallPhotoAddedDocument, { token });
    const [hidden, shown] = await processed(owner, eventId, ['hidden.jpg', 'shown-later.jpg']);
    await server.gql(SetPhotoVisibilityDocument, { id: shown!, showInGeneral: true }, { token: owner });
    await wall.until((v) => v.length >= 1, 10_000);
    // Shown before it is processed: it comes as it is done.
    const [early] = await uploadPhotos(server, owner, eventId, [{ name: 'shown-early.jpg', bytes: images[2]! }]);
    await server.gql(SetPhotoVisibilityDocument, { id: early!, showInGeneral: true }, { token: owner });
    await wall.until((v) => v.some((p) => p.wallPhotoAdded.id === early), 20_000);
    const pushed = wall.values.map((v) => v.wallPhotoAdded);
    assert.equal(pushed[0]!.id, shown);
    assert.ok(!pushed.some((p) => p.id === hidden), 'the hidden photo was never pushed');
    // What is pushed can be shown at once.
    assert.equal((await fetch(pushed.at(-1)!.displayUrl!)).status, 200);
    wall.dispose();
  });

  it('should answer NOT_FOUND to a wrong or replaced link, or once the wall is off, and end the open screens', async () => {
    const { owner, eventId } = await newEvent(server, 'Conference');
    const url = await wallOn(owner, eventId);
    const token = tokenOf(url);
    assert.equal(errorCode(await server.gql(WallPhotosDocument, { token: 'not-a-wall-token-at-all' })), 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(WallDocument, { token: 'x' })), 'NOT_FOUND');
    const screen = collect<WallPhotoAddedSubscription, { token: string }>(server.ws(), WallPhotoAddedDocument, { token });
    // Only the owner (or an admin) replaces it.
    const other = await newAccount(server, 'PHOTOGRAPHER');
    assert.equal(errorCode(await server.gql(RotateWallUrlDocument, { eventId }, { token: other })), 'NOT_FOUND');
    const rotated = await server.gql(RotateWallUrlDocument, { eventId }, { token: owner });
    const fresh = rotated.data!.rotateWallUrl.wallUrl!;
    assert.notEqual(fresh, url);
    assert.equal(await screen.ended(), 'complete');
    const old = await server.gql(WallPhotosDocument, { token });
    assert.equal(errorCode(old), 'NOT_FOUND');
    assert.match(old.errors![0]!.message, /the wall is off, or the photographer replaced the link/);
    assert.equal(errorCode(await server.gql(WallPhotosDocument, { token: tokenOf(fresh) })), undefined);
    // A new socket on the old link is refused.
    const late = collect<WallPhotoAddedSubscription, { token: string }>(server.ws(), WallPhotoAddedDocument, { token });
    const failure = (await late.failure()) as { extensions?: { code?: string } }[];
    assert.equal(failure[0]?.extensions?.code, 'NOT_FOUND');
    // Turned off: the link stops, and the owner no longer gets one.
    const screen2 = collect<WallPhotoAddedSubscription, { token: string }>(server.ws(), WallPhotoAddedDocument, { token: tokenOf(fresh) });
    await new Promise((r) => setTimeout(r, 200));
    const off = await server.gql(UpdateEventDocument, { id: eventId, input: { settings: { wall: false } } }, { token: owner });
    assert.equal(off.data?.updateEvent.wallUrl, null);
    assert.equal(await screen2.ended(), 'complete');
    assert.equal(errorCode(await server.gql(WallPhotosDocument, { token: tokenOf(fresh) })), 'NOT_FOUND');
    // On again: the same link as before it was turned off.
    assert.equal(await wallOn(owner, eventId), fresh);
  });
});
