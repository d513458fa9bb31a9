import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { buildSchema, type GraphQLFormattedError } from 'graphql';
import { CreateEventDocument, JoinEventDocument, RegisterDocument } from './generated/graphql.js';
import { newAdmin, sendSelfie, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, uniqueEmail, type TestServer } from './support/harness.js';
import { devGroupPhoto } from './support/images.js';
import { uploadTo } from './support/upload.js';
import { DriveStandIn } from './support/drive-stand-in.js';
import { GUARDIAN_CONSENT_VERSION } from '../src/services/privacy-policy.js';

/**
 * Every operation of schema.graphql × every kind of caller, over real HTTP and
 * graphql-ws. A new operation without a row here fails the first test.
 */
/**
 * `pending` and `refused` joined the fixture event after the photographer
 * turned guest approval on: one waits, the other was refused. They know photo
 * ids (a guest who left and joined again does): nothing of the photographer's
 * may work for them.
 */
const ACTORS = ['anonymous', 'otherParticipant', 'participant', 'pending', 'refused', 'otherPhotographer', 'owner', 'admin'] as const;
type Actor = (typeof ACTORS)[number];

/** ok: answered without error (and, where given, `check` holds); otherwise the expected error code. */
type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT';

interface Fixture {
  eventId: string;
  code: string;
  otherEventId: string;
  /** DONE, shown to every participant. */
  generalPhotoId: string;
  /** DONE, in nobody's matches and not general: hidden from participants. */
  hiddenPhotoId: string;
  participantJobId: string;
  /** A Drive folder connected to the event. */
  driveImportId: string;
  /** A person the participant added (their child). */
  personId: string;
}

interface Request {
  query: string;
  variables?: Record<string, unknown>;
}

interface Row {
  /** `Query.me`, `Mutation.login`… */
  op: string;
  expect: Record<Actor, Outcome>;
  /** Builds the request for this caller (may create the state it acts on, e.g. a photo to delete). */
  request: (ctx: RowContext) => Promise<Request> | Request;
  /** Extra assertions on a successful answer (lists that must not leak). */
  check?: (data: Record<string, any>, ctx: RowContext) => void;
  /** Callers who would spoil the shared fixture (joining, deleting accounts) act as a new user of the same kind. */
  freshActors?: Actor[];
}

interface RowContext {
  actor: Actor;
  token: string | undefined;
  f: Fixture;
  /** Creates a PENDING photo in the fixture event, as its owner. */
  newPhoto(): Promise<string>;
  /** Creates an event of the fixture's owner (for operations that end one). */
  newEvent(): Promise<string>;
}

const ANON = { anonymous: 'UNAUTHENTICATED' } as const;
const everyoneSignedIn = (outcome: Outcome = 'ok'): Record<Actor, Outcome> => ({
  ...ANON,
  otherParticipant: outcome,
  participant: outcome,
  pending: outcome,
  refused: outcome,
  otherPhotographer: outcome,
  owner: outcome,
  admin: outcome,
});
const everyone = (outcome: Outcome = 'ok'): Record<Actor, Outcome> => ({ ...everyoneSignedIn(outcome), anonymous: outcome });
/** Guests of the fixture event, approved, waiting and refused, with one outcome. */
const guests = (outcome: Outcome) => ({ participant: outcome, pending: outcome, refused: outcome });
/** Owner and admin manage; a guest (approved, waiting or refused) is told no; strangers cannot tell it exists. */
const managed: Record<Actor, Outcome> = { ...ANON, otherParticipant: 'NOT_FOUND', ...guests('FORBIDDEN'), otherPhotographer: 'NOT_FOUND', owner: 'ok', admin: 'ok' };
/** Photo-level management: a guest cannot tell a photo exists either. */
const managedPhoto: Record<Actor, Outcome> = { ...managed, ...guests('NOT_FOUND') };
/** Members of the event (waiting and refused guests see the event itself), its owner and admins. */
const members: Record<Actor, Outcome> = { ...ANON, otherParticipant: 'NOT_FOUND', ...guests('ok'), otherPhotographer: 'NOT_FOUND', owner: 'ok', admin: 'ok' };
/** The event's photos: approved guests, the owner and admins; waiting or refused guests are told why. */
const photoViewers: Record<Actor, Outcome> = { ...members, pending: 'FORBIDDEN', refused: 'FORBIDDEN' };
/** One photo: a waiting or refused guest cannot tell it exists. */
const photoViewer: Record<Actor, Outcome> = { ...members, pending: 'NOT_FOUND', refused: 'NOT_FOUND' };
/** Something of the participant's own: nobody else can tell it exists. */
const participantOnly: Record<Actor, Outcome> = { ...ANON, otherParticipant: 'NOT_FOUND', ...guests('NOT_FOUND'), participant: 'ok', otherPhotographer: 'NOT_FOUND', owner: 'NOT_FOUND', admin: 'NOT_FOUND' };
/** A setting of one's own membership: every guest of the event has one. */
const ownMembership: Record<Actor, Outcome> = { ...ANON, otherParticipant: 'NOT_FOUND', ...guests('ok'), otherPhotographer: 'NOT_FOUND', owner: 'NOT_FOUND', admin: 'NOT_FOUND' };
const FRESH_SIGNED_IN: Actor[] = ['otherParticipant', 'participant', 'pending', 'refused', 'otherPhotographer', 'owner', 'admin'];

const PAGE = 'totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor }';

const ROWS: Row[] = [
  { op: 'Query.me', expect: everyone(), request: () => ({ query: '{ me { id } }' }) },
  { op: 'Query.privacyPolicy', expect: everyone(), request: () => ({ query: '{ privacyPolicy { version } }' }) },
  {
    op: 'Query.eventByCode',
    expect: everyone(),
    request: ({ f }) => ({ query: 'query($c: String!) { eventByCode(code: $c) { name photographerName } }', variables: { c: f.code } }),
  },
  { op: 'Query.event', expect: members, request: ({ f }) => ({ query: 'query($id: ID!) { event(id: $id) { id } }', variables: { id: f.eventId } }) },
  {
    op: 'Query.myEvents',
    expect: everyoneSignedIn(),
    request: () => ({ query: `{ myEvents(first: 100) { ${PAGE} } }` }),
    check: (data, { actor, f }) => {
      const ids = data['myEvents'].edges.map((e: { node: { id: string } }) => e.node.id);
      assert.equal(data['myEvents'].totalCount, ids.length, 'the count covers only what the list shows');
      const seesEvent = actor === 'participant' || actor === 'pending' || actor === 'refused' || actor === 'owner';
      assert.equal(ids.includes(f.eventId), seesEvent, `${actor} ${seesEvent ? 'lists' : 'must not list'} the event`);
    },
  },
  {
    op: 'Query.myPhotos',
    expect: photoViewers,
    request: ({ f }) => ({ query: `query($e: ID!) { myPhotos(eventId: $e, first: 50) { ${PAGE} } }`, variables: { e: f.eventId } }),
    check: (data, { f }) => {
      const ids = data['myPhotos'].edges.map((e: { node: { id: string } }) => e.node.id);
      assert.deepEqual(ids, [f.generalPhotoId], 'only the photo shown to everyone');
      assert.equal(data['myPhotos'].totalCount, 1);
    },
  },
  {
    op: 'Query.photos',
    expect: managed,
    request: ({ f }) => ({ query: `query($e: ID!) { photos(eventId: $e, first: 50) { ${PAGE} } }`, variables: { e: f.eventId } }),
  },
  {
    op: 'Query.photo',
    expect: photoViewer,
    request: ({ f }) => ({ query: 'query($id: ID!) { photo(id: $id) { id thumbnailUrl } }', variables: { id: f.generalPhotoId } }),
  },
  {
    op: 'Query.rematchJob',
    expect: participantOnly,
    request: ({ f }) => ({ query: 'query($id: ID!) { rematchJob(id: $id) { id status } }', variables: { id: f.participantJobId } }),
  },
  {
    op: 'Mutation.register',
    expect: everyone(),
    request: () => ({
      query: 'mutation($i: RegisterInput!) { register(input: $i) { token } }',
      variables: { i: { email: uniqueEmail('m'), password: 'long enough password', displayName: 'M', role: 'PARTICIPANT' } },
    }),
  },
  {
    op: 'Mutation.login',
    expect: everyone(),
    request: () => ({ query: 'mutation($i: LoginInput!) { login(input: $i) { token } }', variables: { i: { email: 'admin@example.test', password: 'long enough password' } } }),
  },
  {
    op: 'Mutation.requestPasswordReset',
    expect: everyone(),
    request: () => ({ query: 'mutation($e: String!) { requestPasswordReset(email: $e) }', variables: { e: uniqueEmail('r') } }),
  },
  {
    // Public by design: the token is the credential; a wrong one is bad input for anyone.
    op: 'Mutation.resetPassword',
    expect: everyone('BAD_USER_INPUT'),
    request: () => ({ query: 'mutation { resetPassword(token: "forged", newPassword: "long enough password") }' }),
  },
  {
    op: 'Mutation.requestSignInLink',
    expect: everyone(),
    request: () => ({ query: 'mutation($e: String!) { requestSignInLink(email: $e) }', variables: { e: uniqueEmail('link') } }),
  },
  {
    op: 'Mutation.signInWithLink',
    expect: everyone('BAD_USER_INPUT'),
    request: () => ({ query: 'mutation { signInWithLink(token: "forged") { token } }' }),
  },
  {
    op: 'Mutation.refreshSession',
    expect: everyone('UNAUTHENTICATED'),
    request: () => ({ query: 'mutation { refreshSession(refreshToken: "forged") { token } }' }),
  },
  // Signing out would end the shared fixture's sessions: fresh users of each kind do it.
  { op: 'Mutation.logout', expect: everyone(), freshActors: FRESH_SIGNED_IN, request: () => ({ query: 'mutation { logout }' }) },
  {
    op: 'Mutation.logoutEverywhere',
    expect: everyoneSignedIn(),
    freshActors: FRESH_SIGNED_IN,
    request: () => ({ query: 'mutation { logoutEverywhere }' }),
  },
  {
    op: 'Mutation.createEvent',
    expect: { ...ANON, otherParticipant: 'FORBIDDEN', ...guests('FORBIDDEN'), otherPhotographer: 'ok', owner: 'ok', admin: 'ok' },
    request: () => ({ query: 'mutation { createEvent(input: { name: "Party", date: "2026-07-01" }) { id } }' }),
  },
  {
    op: 'Mutation.joinEvent',
    // The code is the secret: anyone signed in may join, except the event's own photographer.
    expect: { ...everyoneSignedIn(), owner: 'BAD_USER_INPUT' },
    freshActors: ['otherParticipant', 'otherPhotographer', 'admin'],
    request: ({ f }) => ({ query: 'mutation($c: String!) { joinEvent(code: $c, consent: true) { joinedAt } }', variables: { c: f.code } }),
  },
  {
    op: 'Mutation.requestPhotoUploads',
    expect: managed,
    request: ({ f }) => ({
      query: 'mutation($e: ID!) { requestPhotoUploads(eventId: $e, files: [{ filename: "a.jpg", contentType: "image/jpeg", byteSize: 100 }]) { photo { id } } }',
      variables: { e: f.eventId },
    }),
  },
  {
    op: 'Mutation.completePhotoUploads',
    expect: managedPhoto,
    request: async (ctx) => ({ query: 'mutation($p: [ID!]!) { completePhotoUploads(photoIds: $p) { id } }', variables: { p: [await ctx.newPhoto()] } }),
  },
  {
    op: 'Mutation.retryPhoto',
    expect: managedPhoto,
    request: async (ctx) => {
      const id = await ctx.newPhoto();
      await server.sql(`update photos set status = 'FAILED', error_code = 'CORRUPT_IMAGE' where id = ?`, [id]);
      return { query: 'mutation($id: ID!) { retryPhoto(id: $id) { id } }', variables: { id } };
    },
  },
  {
    op: 'Mutation.deletePhoto',
    expect: managedPhoto,
    request: async (ctx) => ({ query: 'mutation($id: ID!) { deletePhoto(id: $id) }', variables: { id: await ctx.newPhoto() } }),
  },
  {
    op: 'Mutation.setPhotoVisibility',
    expect: managedPhoto,
    request: ({ f }) => ({ query: 'mutation($id: ID!) { setPhotoVisibility(id: $id, showInGeneral: true) { id } }', variables: { id: f.generalPhotoId } }),
  },
  {
    op: 'Mutation.requestSelfieUpload',
    // Only someone who consented in an event has a reason to send a selfie.
    expect: { ...ANON, otherParticipant: 'ok', ...guests('ok'), otherPhotographer: 'FORBIDDEN', owner: 'FORBIDDEN', admin: 'FORBIDDEN' },
    request: () => ({ query: 'mutation { requestSelfieUpload(input: { filename: "me.jpg", contentType: "image/jpeg", byteSize: 100 }) { id } }' }),
  },
  {
    op: 'Mutation.completeSelfieUpload',
    expect: participantOnly,
    request: async () => {
      // The participant's own new selfie, uploaded.
      const req = await raw(
        {
          query: 'mutation($n: Int!) { requestSelfieUpload(input: { filename: "me.png", contentType: "image/png", byteSize: $n }) { id upload { url method headers { key value } fields { key value } expiresAt } } }',
          variables: { n: TINY_PNG.length },
        },
        tokens.participant,
      );
      const upload = req.data!['requestSelfieUpload'];
      assert.equal((await uploadTo(upload.upload, TINY_PNG, 'image/png')).status, 200);
      return { query: 'mutation($id: ID!) { completeSelfieUpload(id: $id) { id } }', variables: { id: upload.id } };
    },
  },
  {
    op: 'Query.eventParticipants',
    expect: managed,
    request: ({ f }) => ({ query: `query($e: ID!) { eventParticipants(eventId: $e) { ${PAGE} } }`, variables: { e: f.eventId } }),
  },
  {
    op: 'Mutation.updateEvent',
    // Guests are refused by role before the event is looked up.
    expect: { ...managed, otherParticipant: 'FORBIDDEN' },
    request: ({ f }) => ({ query: 'mutation($e: ID!) { updateEvent(id: $e, input: { name: "Gala" }) { id } }', variables: { e: f.eventId } }),
  },
  {
    op: 'Mutation.setParticipantApproval',
    // A guest cannot tell another guest's membership exists.
    expect: { ...managed, ...guests('NOT_FOUND') },
    request: async ({ f }) => {
      // The approved participant's membership (the first to join): approving it again changes nobody.
      const [row] = await server.sql<{ id: string }>('select id from participations where event_id = ? order by joined_at limit 1', [f.eventId]);
      return { query: 'mutation($id: ID!) { setParticipantApproval(id: $id, approved: true) { id status } }', variables: { id: row!.id } };
    },
  },
  {
    op: 'Query.myPhotosArchive',
    expect: photoViewers,
    request: ({ f }) => ({ query: 'query($e: ID!) { myPhotosArchive(eventId: $e) { url photoCount } }', variables: { e: f.eventId } }),
    // A member's ZIP holds the photo shown to everyone, nothing else.
    check: (data, { actor }) => actor === 'participant' && assert.equal(data['myPhotosArchive'].photoCount, 1),
  },
  {
    op: 'Query.eventArchive',
    expect: managed,
    request: ({ f }) => ({ query: 'query($e: ID!) { eventArchive(eventId: $e) { url photoCount } }', variables: { e: f.eventId } }),
  },
  {
    op: 'Mutation.setNewPhotoEmails',
    // A setting of one's own membership: only a member has one.
    expect: ownMembership,
    request: ({ f }) => ({ query: 'mutation($e: ID!) { setNewPhotoEmails(eventId: $e, enabled: false) { newPhotoEmails } }', variables: { e: f.eventId } }),
  },
  {
    op: 'Mutation.deleteEvent',
    expect: { ...ANON, otherParticipant: 'NOT_FOUND', ...guests('NOT_FOUND'), otherPhotographer: 'NOT_FOUND', owner: 'ok', admin: 'ok' },
    request: async (ctx) => ({ query: 'mutation($id: ID!) { deleteEvent(id: $id) }', variables: { id: await ctx.newEvent() } }),
    check: (data) => assert.match(data['deleteEvent'], /^[0-9a-f-]{36}$/),
  },
  { op: 'Query.mySelfie', expect: everyoneSignedIn(), request: () => ({ query: '{ mySelfie { id status uploadedAt lastJob { id status } } }' }) },
  {
    op: 'Mutation.leaveEvent',
    expect: ownMembership,
    freshActors: ['participant', 'pending', 'refused'],
    request: ({ f }) => ({ query: 'mutation($e: ID!) { leaveEvent(eventId: $e) }', variables: { e: f.eventId } }),
  },
  {
    op: 'Query.myPeople',
    expect: everyoneSignedIn(),
    request: () => ({ query: '{ myPeople { id name isMe selfies { id } } }' }),
    check: (data, { actor, f }) => {
      const people = data['myPeople'] as { id: string; isMe: boolean }[];
      assert.equal(people[0]?.isMe, true, 'the caller comes first');
      assert.equal(people.some((p) => p.id === f.personId), actor === 'participant', `${actor} ${actor === 'participant' ? 'lists' : 'must not list'} the participant's child`);
    },
  },
  {
    op: 'Mutation.addPerson',
    // Only someone who consented in an event adds someone to look for.
    expect: { ...ANON, otherParticipant: 'ok', ...guests('ok'), otherPhotographer: 'FORBIDDEN', owner: 'FORBIDDEN', admin: 'FORBIDDEN' },
    request: () => ({ query: 'mutation($v: String!) { addPerson(input: { name: "Kid", consentVersion: $v }) { id isMe } }', variables: { v: GUARDIAN_CONSENT_VERSION } }),
  },
  {
    op: 'Mutation.removePerson',
    expect: participantOnly,
    request: async ({ actor, token, f }) => {
      // The participant removes a person of their own; anyone else tries the participant's child.
      if (actor !== 'participant') return { query: 'mutation($id: ID!) { removePerson(id: $id) }', variables: { id: f.personId } };
      const added = await raw({ query: 'mutation($v: String!) { addPerson(input: { name: "Gone", consentVersion: $v }) { id } }', variables: { v: GUARDIAN_CONSENT_VERSION } }, token);
      return { query: 'mutation($id: ID!) { removePerson(id: $id) }', variables: { id: added.data!['addPerson'].id } };
    },
  },
  {
    op: 'Mutation.deleteSelfie',
    expect: participantOnly,
    request: async ({ actor, token }) => {
      // A selfie of the participant's (requested, not sent): only they can delete it.
      const req = await raw({ query: 'mutation { requestSelfieUpload(input: { filename: "me.jpg", contentType: "image/jpeg", byteSize: 100 }) { id } }' }, actor === 'participant' ? token : tokens.participant);
      return { query: 'mutation($id: ID!) { deleteSelfie(id: $id) }', variables: { id: req.data!['requestSelfieUpload'].id } };
    },
  },
  {
    op: 'Mutation.claimFace',
    // Past the gates, the guest learns this photo has no face 0 (faces are off here); managers are not its guests.
    expect: { ...photoViewer, participant: 'BAD_USER_INPUT', owner: 'FORBIDDEN', admin: 'FORBIDDEN' },
    request: ({ f }) => ({ query: 'mutation($p: ID!) { claimFace(photoId: $p, faceIndex: 0) { id } }', variables: { p: f.generalPhotoId } }),
  },
  {
    op: 'Query.eventCoverage',
    expect: managed,
    request: ({ f }) => ({ query: 'query($e: ID!) { eventCoverage(eventId: $e) { faces matchedFaces photosWithoutGuests } }', variables: { e: f.eventId } }),
  },
  {
    op: 'Mutation.rejectMatch',
    expect: photoViewer,
    request: ({ f }) => ({ query: 'mutation($p: ID!) { rejectMatch(photoId: $p) }', variables: { p: f.generalPhotoId } }),
  },
  {
    op: 'Mutation.changePassword',
    // A wrong current password: refused for everyone signed in, after the gate let them through.
    expect: everyoneSignedIn('BAD_USER_INPUT'),
    request: () => ({ query: 'mutation { changePassword(input: { currentPassword: "not the password", newPassword: "a brand new passphrase" }) }' }),
  },
  {
    op: 'Mutation.updateProfile',
    expect: everyoneSignedIn(),
    freshActors: FRESH_SIGNED_IN,
    request: () => ({ query: 'mutation { updateProfile(input: { displayName: "Renamed" }) { displayName } }' }),
    check: (data) => assert.equal(data['updateProfile'].displayName, 'Renamed'),
  },
  {
    op: 'Mutation.setPhotosVisibility',
    expect: managedPhoto,
    request: ({ f }) => ({ query: 'mutation($ids: [ID!]!) { setPhotosVisibility(ids: $ids, showInGeneral: true) { id showInGeneral } }', variables: { ids: [f.generalPhotoId] } }),
  },
  { op: 'Mutation.deleteMyFaceData', expect: everyoneSignedIn(), freshActors: ['participant', 'pending', 'refused'], request: () => ({ query: 'mutation { deleteMyFaceData }' }) },
  { op: 'Mutation.deleteAccount', expect: everyoneSignedIn(), freshActors: FRESH_SIGNED_IN, request: () => ({ query: 'mutation { deleteAccount }' }) },
  {
    op: 'Query.networkAddresses',
    // For the photographer's QR card: what it says of the machine is for photographers.
    expect: { ...ANON, otherParticipant: 'FORBIDDEN', ...guests('FORBIDDEN'), otherPhotographer: 'ok', owner: 'ok', admin: 'ok' },
    request: () => ({ query: '{ networkAddresses }' }),
  },
  {
    op: 'Query.photosByHash',
    expect: managed,
    request: ({ f }) => ({ query: `query($e: ID!) { photosByHash(eventId: $e, sha256: ["${'0'.repeat(64)}"]) { id } }`, variables: { e: f.eventId } }),
  },
  ...(['queueStats { driver waiting }', 'faceEngineUsage { provider }', 'systemStatus { version }'] as const).map(
    (selection): Row => ({
      op: `Query.${selection.split(' ')[0]}`,
      expect: { ...everyoneSignedIn('FORBIDDEN'), admin: 'ok' },
      request: () => ({ query: `{ ${selection} }` }),
    }),
  ),
  { op: 'Subscription.heartbeat', expect: everyoneSignedIn(), request: () => ({ query: 'subscription { heartbeat(intervalSeconds: 60) { at } }' }) },
  { op: 'Subscription.rematchProgress', expect: everyoneSignedIn(), request: () => ({ query: 'subscription { rematchProgress { status } }' }) },
  {
    op: 'Subscription.eventProgress',
    expect: managed,
    request: ({ f }) => ({ query: 'subscription($e: ID!) { eventProgress(eventId: $e) { total } }', variables: { e: f.eventId } }),
  },
  {
    op: 'Subscription.photoStatusChanged',
    expect: managed,
    request: ({ f }) => ({ query: 'subscription($e: ID!) { photoStatusChanged(eventId: $e) { status } }', variables: { e: f.eventId } }),
  },
  {
    op: 'Subscription.myNewPhotos',
    expect: photoViewers,
    request: ({ f }) => ({ query: 'subscription($e: ID!) { myNewPhotos(eventId: $e) { id } }', variables: { e: f.eventId } }),
  },
  // The wall: the link's secret is the key, so whoever holds it (a projector's browser, signed in or not) sees what everyone may see.
  { op: 'Query.wall', expect: everyone(), request: async () => ({ query: 'query($t: String!) { wall(token: $t) { eventName joinUrl } }', variables: { t: await wallToken() } }) },
  {
    op: 'Query.wallPhotos',
    expect: everyone(),
    request: async () => ({ query: `query($t: String!) { wallPhotos(token: $t, first: 100) { ${PAGE} } }`, variables: { t: await wallToken() } }),
    check: (data, { f }) => assert.deepEqual(data['wallPhotos'].edges.map((e: { node: { id: string } }) => e.node.id), [f.generalPhotoId]),
  },
  {
    op: 'Subscription.wallPhotoAdded',
    expect: everyone(),
    request: async () => ({ query: 'subscription($t: String!) { wallPhotoAdded(token: $t) { id } }', variables: { t: await wallToken() } }),
  },
  {
    op: 'Mutation.rotateWallUrl',
    expect: { ...managed, otherParticipant: 'FORBIDDEN', ...guests('FORBIDDEN') },
    request: ({ f }) => ({ query: 'mutation($e: ID!) { rotateWallUrl(eventId: $e) { id } }', variables: { e: f.eventId } }),
  },
  {
    op: 'Query.driveServiceAccountEmail',
    expect: { ...ANON, otherParticipant: 'FORBIDDEN', ...guests('FORBIDDEN'), otherPhotographer: 'ok', owner: 'ok', admin: 'ok' },
    request: () => ({ query: '{ driveServiceAccountEmail }' }),
    check: (data) => assert.equal(data['driveServiceAccountEmail'], drive.key.client_email),
  },
  {
    op: 'Query.driveImports',
    expect: managed,
    request: ({ f }) => ({ query: 'query($e: ID!) { driveImports(eventId: $e) { id folderId } }', variables: { e: f.eventId } }),
    check: (data, { f }) => assert.deepEqual(data['driveImports'].map((i: { id: string }) => i.id), [f.driveImportId]),
  },
  {
    op: 'Subscription.driveImportChanged',
    expect: managed,
    request: ({ f }) => ({ query: 'subscription($e: ID!) { driveImportChanged(eventId: $e) { id } }', variables: { e: f.eventId } }),
  },
  {
    op: 'Mutation.connectDriveFolder',
    expect: { ...managed, otherParticipant: 'FORBIDDEN', ...guests('FORBIDDEN') },
    request: ({ f }) => ({ query: 'mutation($e: ID!, $u: String!) { connectDriveFolder(eventId: $e, folderUrl: $u) { id } }', variables: { e: f.eventId, u: drive.folder('Connect') } }),
  },
  ...(['disconnectDriveFolder', 'pauseDriveImport', 'resumeDriveImport'] as const).map(
    (name): Row => ({
      op: `Mutation.${name}`,
      expect: { ...managed, otherParticipant: 'FORBIDDEN', ...guests('FORBIDDEN') },
      request: async ({ newEvent }) => ({ query: `mutation($id: ID!) { ${name}(id: $id) ${name === 'disconnectDriveFolder' ? '' : '{ id }'} }`, variables: { id: await newDriveImport(await newEvent()) } }),
    }),
  ),
];

/** Google Drive, stood in for locally (its token endpoint verifies the service account's signature). */
let drive: DriveStandIn;

/** A Drive folder newly connected to the event by its owner; its import's id. */
async function newDriveImport(eventId: string): Promise<string> {
  const res = await raw({ query: 'mutation($e: ID!, $u: String!) { connectDriveFolder(eventId: $e, folderUrl: $u) { id } }', variables: { e: eventId, u: drive.folder('Fresh') } }, tokens.owner);
  return res.data!['connectDriveFolder'].id;
}

/** The fixture event's current wall token (rotateWallUrl replaces it). */
async function wallToken(): Promise<string> {
  const res = await raw({ query: `query($id: ID!) { event(id: $id) { wallUrl } }`, variables: { id: fixtureEventId } }, tokens.owner);
  return String(res.data?.['event']?.wallUrl).replace(/^.*\/wall\//, '');
}
let fixtureEventId = '';

/** A 1×1 PNG. */
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let server: TestServer;
const tokens = {} as Record<Actor, string | undefined>;

async function raw(req: Request, token: string | undefined): Promise<{ data: Record<string, any> | null | undefined; errors: GraphQLFormattedError[] | undefined }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(req),
  });
  return (await res.json()) as never;
}

/** Runs a subscription until its first answer: a value, an error, or 400 ms of silence (accepted, waiting for events). */
async function subscribeOnce(req: Request, token: string | undefined): Promise<{ data: Record<string, any> | null | undefined; errors: GraphQLFormattedError[] | undefined }> {
  const client = server.ws(token ? { authorization: `Bearer ${token}` } : undefined);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    const dispose = client.subscribe(req as { query: string }, {
      next: (r) => {
        clearTimeout(timer);
        dispose();
        resolve({ data: r.data as never, errors: r.errors as never });
      },
      error: (e) => {
        clearTimeout(timer);
        resolve({ data: null, errors: Array.isArray(e) ? e : [{ message: String(e), extensions: { code: 'SOCKET_CLOSED' } }] });
      },
      complete: () => undefined,
    });
    timer = setTimeout(() => {
      dispose();
      resolve({ data: undefined, errors: undefined });
    }, 400);
  });
}

async function account(role: 'PARTICIPANT' | 'PHOTOGRAPHER', email = uniqueEmail(role.toLowerCase())): Promise<string> {
  const res = await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName: role, role } });
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.register.token;
}

async function eventOf(owner: string): Promise<{ id: string; code: string }> {
  const res = await server.gql(CreateEventDocument, { input: { name: 'Gala', date: '2026-06-01' } }, { token: owner });
  return res.data!.createEvent;
}

describe('authorisation matrix (every operation × every kind of caller)', () => {
  let f: Fixture;

  before(async () => {
    drive = await DriveStandIn.start();
    server = await startTestServer({ hasher: plainHasher, worker: true, env: drive.env() });
    tokens.anonymous = undefined;
    tokens.owner = await account('PHOTOGRAPHER');
    tokens.otherPhotographer = await account('PHOTOGRAPHER');
    tokens.participant = await account('PARTICIPANT');
    tokens.otherParticipant = await account('PARTICIPANT');
    tokens.admin = await newAdmin(server, 'admin@example.test');
    const event = await eventOf(tokens.owner);
    fixtureEventId = event.id;
    await raw({ query: `mutation { updateEvent(id: "${event.id}", input: { settings: { wall: true } }) { id } }` }, tokens.owner);
    const other = await eventOf(tokens.otherPhotographer);
    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token: tokens.participant });
    await server.gql(JoinEventDocument, { code: other.code, consent: true }, { token: tokens.otherParticipant });
    // Approval turned on after the participant joined: later guests wait, and one is refused.
    await raw({ query: `mutation { updateEvent(id: "${event.id}", input: { settings: { guestApproval: true } }) { id } }` }, tokens.owner);
    tokens.pending = await awaitingGuest(event.code, false);
    tokens.refused = await awaitingGuest(event.code, true);
    const bytes = await devGroupPhoto(2);
    const [general, hidden] = await uploadPhotos(server, tokens.owner, event.id, [
      { name: 'general.jpg', bytes },
      { name: 'hidden.jpg', bytes },
    ]);
    for (const id of [general!, hidden!]) assert.equal((await waitForPhoto(server, tokens.owner, id)).status, 'DONE');
    await raw({ query: `mutation { setPhotoVisibility(id: "${general}", showInGeneral: true) { id } }` }, tokens.owner);
    const job = await sendSelfie(server, tokens.participant, TINY_PNG);
    const driveImportId = await newDriveImport(event.id);
    const child = await raw({ query: 'mutation($v: String!) { addPerson(input: { name: "Child", consentVersion: $v }) { id } }', variables: { v: GUARDIAN_CONSENT_VERSION } }, tokens.participant);
    f = { eventId: event.id, code: event.code, otherEventId: other.id, generalPhotoId: general!, hiddenPhotoId: hidden!, participantJobId: job.id, driveImportId, personId: child.data!['addPerson'].id };
  });
  after(async () => {
    await server.close();
    await drive.close();
  });

  it('should have a row for every operation of schema.graphql', async () => {
    const schema = buildSchema(await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8'));
    const ops = (['Query', 'Mutation', 'Subscription'] as const).flatMap((t) => Object.keys(schema.getType(t) ? (schema.getType(t) as { getFields(): object }).getFields() : {}).map((name) => `${t}.${name}`));
    assert.deepEqual(ROWS.map((r) => r.op).sort(), ops.sort());
  });

  for (const row of ROWS) {
    it(`${row.op}: ${ACTORS.map((a) => `${a} → ${row.expect[a]}`).join(', ')}`, async () => {
      for (const actor of ACTORS) {
        const token = actor !== 'anonymous' && row.freshActors?.includes(actor) ? await freshToken(actor) : tokens[actor];
        const ctx: RowContext = {
          actor,
          token,
          f,
          newPhoto: async () => {
            const res = await raw(
              { query: `mutation { requestPhotoUploads(eventId: "${f.eventId}", files: [{ filename: "n.jpg", contentType: "image/jpeg", byteSize: 100 }]) { photo { id } } }` },
              tokens.owner,
            );
            return res.data!['requestPhotoUploads'][0].photo.id;
          },
          newEvent: async () => (await eventOf(tokens.owner!)).id,
        };
        const req = await row.request(ctx);
        const answer = row.op.startsWith('Subscription.') ? await subscribeOnce(req, token) : await raw(req, token);
        const expected = row.expect[actor];
        const code = answer.errors?.[0]?.extensions?.['code'];
        if (expected === 'ok') {
          assert.equal(answer.errors, undefined, `${row.op} as ${actor}: ${JSON.stringify(answer.errors)}`);
          if (answer.data && row.check) row.check(answer.data, ctx);
        } else {
          assert.equal(code, expected, `${row.op} as ${actor}: ${JSON.stringify(answer.errors)}`);
          const data = answer.data ? Object.values(answer.data).filter((v) => v !== null) : [];
          assert.deepEqual(data, [], `${row.op} as ${actor} leaks data: ${JSON.stringify(answer.data)}`);
        }
      }
    });
  }

  it('should answer a hidden object exactly like one that does not exist', async () => {
    const probes: [string, Request, Request][] = [
      ['event', { query: `{ event(id: "${f.eventId}") { id } }` }, { query: `{ event(id: "${randomUUID()}") { id } }` }],
      ['photo', { query: `{ photo(id: "${f.hiddenPhotoId}") { id } }` }, { query: `{ photo(id: "${randomUUID()}") { id } }` }],
      ['photos', { query: `{ photos(eventId: "${f.eventId}") { totalCount } }` }, { query: `{ photos(eventId: "${randomUUID()}") { totalCount } }` }],
      ['myPhotos', { query: `{ myPhotos(eventId: "${f.eventId}") { totalCount } }` }, { query: `{ myPhotos(eventId: "${randomUUID()}") { totalCount } }` }],
      ['rematchJob', { query: `{ rematchJob(id: "${f.participantJobId}") { id } }` }, { query: `{ rematchJob(id: "${randomUUID()}") { id } }` }],
      ['deletePhoto', { query: `mutation { deletePhoto(id: "${f.hiddenPhotoId}") }` }, { query: `mutation { deletePhoto(id: "${randomUUID()}") }` }],
    ];
    for (const [name, hidden, missing] of probes) {
      for (const actor of ['otherParticipant', 'otherPhotographer'] as const) {
        const a = await raw(hidden, tokens[actor]);
        const b = await raw(missing, tokens[actor]);
        assert.deepEqual(
          { code: a.errors?.[0]?.extensions?.['code'], message: a.errors?.[0]?.message, data: a.data },
          { code: b.errors?.[0]?.extensions?.['code'], message: b.errors?.[0]?.message, data: b.data },
          `${name} as ${actor}`,
        );
      }
    }
    // A participant of the event cannot tell a photo they are not in from one that does not exist.
    const hidden = await raw({ query: `{ photo(id: "${f.hiddenPhotoId}") { id } }` }, tokens.participant);
    const missing = await raw({ query: `{ photo(id: "${randomUUID()}") { id } }` }, tokens.participant);
    assert.deepEqual(hidden, missing);
  });

  /** A new user of the same kind, for rows that would spoil the fixture. */
  async function freshToken(actor: Exclude<Actor, 'anonymous'>): Promise<string> {
    switch (actor) {
      case 'participant': {
        const token = await awaitingGuest(f.code, false);
        await server.sql(`update participations set status = 'APPROVED' where user_id = (select user_id from participations order by joined_at desc limit 1)`);
        return token;
      }
      case 'pending':
      case 'refused':
        return awaitingGuest(f.code, actor === 'refused');
      case 'otherParticipant': {
        const token = await account('PARTICIPANT');
        await server.gql(JoinEventDocument, { code: await codeOf(f.otherEventId), consent: true }, { token });
        return token;
      }
      case 'otherPhotographer':
        return account('PHOTOGRAPHER');
      case 'owner': {
        // A photographer who owns an event (with a photo) of their own.
        const token = await account('PHOTOGRAPHER');
        const mine = await eventOf(token);
        await uploadPhotos(server, token, mine.id, [{ name: 'x.jpg', bytes: await devGroupPhoto(1) }]);
        return token;
      }
      case 'admin': {
        const email = uniqueEmail('admin');
        const token = await account('PARTICIPANT', email);
        await server.sql(`update users set role = 'ADMIN' where email = ?`, [email]);
        return token;
      }
    }
  }
});

/** A guest who joined the event with approval on: waiting, or refused by its photographer. */
async function awaitingGuest(code: string, refuse: boolean): Promise<string> {
  const token = await account('PARTICIPANT');
  const joined = await raw({ query: `mutation { joinEvent(code: "${code}", consent: true) { id status } }` }, token);
  const membership = joined.data!['joinEvent'] as { id: string; status: string };
  assert.equal(membership.status, 'PENDING');
  if (refuse) await server.sql(`update participations set status = 'REFUSED', decided_at = now() where id = ?`, [membership.id]);
  return token;
}

async function codeOf(eventId: string): Promise<string> {
  const rows = await server.sql<{ code: string }>('select code from events where id = ?', [eventId]);
  return rows[0]!.code;
}
