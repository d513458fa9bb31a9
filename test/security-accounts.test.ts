import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Argon2PasswordHasher } from '../src/adapters/crypto/argon2.password-hasher.js';
import type { PasswordHasher } from '../src/ports/password-hasher.js';
import {
  CreateEventDocument,
  EventByCodeDocument,
  EventDocument,
  EventParticipantsDocument,
  JoinEventDocument,
  LoginDocument,
  MyPhotosDocument,
  PhotoDocument,
  RegisterDocument,
  SetParticipantApprovalDocument,
  SetPhotoVisibilityDocument,
  UpdateEventDocument,
} from './generated/graphql.js';
import { newAccount, newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, uniqueEmail, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';

/** Counts password checks, so a test can see how many guesses were really tried. */
function countingHasher(): PasswordHasher & { verified: number } {
  const hasher = {
    verified: 0,
    hash: plainHasher.hash,
    verify: async (hash: string, password: string) => {
      hasher.verified += 1;
      await new Promise((r) => setTimeout(r, 5));
      return plainHasher.verify(hash, password);
    },
  };
  return hasher;
}

describe('login attempts', () => {
  const hasher = countingHasher();
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher, env: { LOGIN_MAX_FAILURES_PER_EMAIL: '5' } });
  });
  after(() => server.close());

  it('should check at most 5 of 25 parallel wrong passwords, and refuse the right one after them', async () => {
    const email = uniqueEmail('victim');
    await server.gql(RegisterDocument, { input: { email, password: 'the right password', displayName: 'V', role: 'PARTICIPANT' } });
    hasher.verified = 0;
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => server.gql(LoginDocument, { input: { email, password: `wrong guess ${i}` } })));
    const codes = answers.map(errorCode);
    assert.equal(codes.filter((c) => c === 'UNAUTHENTICATED').length, 5, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === 'RATE_LIMITED').length, 20);
    assert.equal(hasher.verified, 5, 'only 5 passwords were checked');
    const right = await server.gql(LoginDocument, { input: { email, password: 'the right password' } });
    assert.equal(errorCode(right), 'RATE_LIMITED');
    assert.ok(Number(right.errors![0]!.extensions!['retryAfterSeconds']) > 0);
  });

  it('should check a password against a stand-in hash when no account has the address', async () => {
    hasher.verified = 0;
    const res = await server.gql(LoginDocument, { input: { email: uniqueEmail('nobody'), password: 'whatever password' } });
    assert.equal(errorCode(res), 'UNAUTHENTICATED');
    assert.equal(res.errors![0]!.message, 'Wrong email or password.');
    assert.equal(hasher.verified, 1, 'the unknown address cost a hash check too');
  });
});

describe('login timing with argon2', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher: new Argon2PasswordHasher() });
  });
  after(() => server.close());

  it('should take about as long for an unknown address as for a wrong password', async () => {
    const email = uniqueEmail('known');
    await server.gql(RegisterDocument, { input: { email, password: 'the right password', displayName: 'K', role: 'PARTICIPANT' } });
    const time = async (address: string) => {
      const started = performance.now();
      await server.gql(LoginDocument, { input: { email: address, password: 'a wrong password' } });
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      known.push(await time(email));
      unknown.push(await time(uniqueEmail('ghost')));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    assert.ok(median(unknown) > 0.5 * median(known), `unknown ${median(unknown).toFixed(1)} ms vs known ${median(known).toFixed(1)} ms`);
  });
});

describe('event codes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, env: { EVENT_CODE_FAILURES_PER_IP: '30', EVENT_CODE_FAILURES_PER_ACCOUNT: '8' } });
  });
  after(() => server.close());

  it('should generate 40-bit codes people can type, and find them however they are typed', async () => {
    const { code } = await newEvent(server);
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const sloppy = code.replace('-', ' ').toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l');
    assert.equal((await server.gql(EventByCodeDocument, { code: sloppy })).data?.eventByCode?.code, code);
    assert.equal((await server.gql(EventByCodeDocument, { code: code.replace('-', '') })).data?.eventByCode?.code, code);
  });

  it('should refuse chosen codes that are too short or common, and accept personal ones', async () => {
    const owner = await newAccount(server, 'PHOTOGRAPHER');
    for (const code of ['ABC12', 'WEDDING2026', 'mariage', 'AAAAAAAA', '123456']) {
      const res = await server.gql(CreateEventDocument, { input: { name: 'X', date: '2026-06-01', code } }, { token: owner });
      assert.equal(errorCode(res), 'BAD_USER_INPUT', code);
      assert.equal(res.errors![0]!.extensions!['field'], 'code');
    }
    const ok = await server.gql(CreateEventDocument, { input: { name: 'X', date: '2026-06-01', code: 'sophie-paul-lyon' } }, { token: owner });
    assert.equal(ok.data?.createEvent.code, 'SOPHIE-PAUL-LYON');
  });

  it('should count each alias as one look-up and refuse with RATE_LIMITED after 30 failures per IP', async () => {
    const { code } = await newEvent(server);
    const aliases = Array.from({ length: 25 }, (_, i) => `a${i}: eventByCode(code: "ZZZZ-${String(i).padStart(4, '0')}") { name }`).join(' ');
    const first = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ ${aliases} }` }) });
    const body = (await first.json()) as { data: Record<string, unknown>; errors?: unknown[] };
    assert.equal(body.errors, undefined);
    assert.equal(Object.values(body.data).filter((v) => v === null).length, 25);
    const second = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ ${aliases} }` }) });
    const limited = (await second.json()) as { errors?: { extensions?: Record<string, unknown>; message: string }[] };
    const refused = (limited.errors ?? []).filter((e) => e.extensions?.['code'] === 'RATE_LIMITED');
    assert.equal(refused.length, 20, 'failures 31 to 50 are refused');
    assert.ok(Number(refused[0]!.extensions!['retryAfterSeconds']) > 500, 'the window is 10 minutes');
    assert.match(refused[0]!.message, /Too many event codes/);
    // Even the right code waits now: the guesser cannot tell a hit from a miss.
    assert.equal(errorCode(await server.gql(EventByCodeDocument, { code })), 'RATE_LIMITED');
  });

  it('should throttle failed joins per account too', async () => {
    const guest = await newAccount(server, 'PARTICIPANT');
    const codes: unknown[] = [];
    for (let i = 0; i < 9; i++) codes.push(errorCode(await server.gql(JoinEventDocument, { code: `QQQQ-${1000 + i}`, consent: true }, { token: guest, headers: {} })));
    // The IP quota was spent by the previous test on this server: every answer is RATE_LIMITED or NOT_FOUND, never a join.
    assert.ok(codes.every((c) => c === 'NOT_FOUND' || c === 'RATE_LIMITED'), JSON.stringify(codes));
    assert.equal(codes.at(-1), 'RATE_LIMITED');
  });
});

describe('guest approval', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true });
  });
  after(() => server.close());

  it('should show a guest no photo until the owner approves them, and none again once refused', async () => {
    const { owner, eventId, code } = await newEvent(server, 'Private wedding');
    const updated = await server.gql(UpdateEventDocument, { id: eventId, input: { settings: { guestApproval: true } } }, { token: owner });
    assert.equal(updated.data?.updateEvent.settings?.guestApproval, true);
    assert.equal(updated.data?.updateEvent.settings?.originalsPolicy, 'STRIPPED');

    const [bytes] = await generatedPhotos(1, 300);
    const [photoId] = await uploadPhotos(server, owner, eventId, [{ name: 'general.jpg', bytes: bytes! }]);
    await waitForPhoto(server, owner, photoId!);
    await server.gql(SetPhotoVisibilityDocument, { id: photoId!, showInGeneral: true }, { token: owner });

    const guest = await newAccount(server, 'PARTICIPANT', 'Uninvited Ursula');
    const joined = await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    assert.equal(joined.data?.joinEvent.status, 'PENDING');
    assert.equal((await server.gql(EventDocument, { id: eventId }, { token: guest })).data?.event?.name, 'Private wedding', 'the guest sees the event');
    const waiting = await server.gql(MyPhotosDocument, { eventId }, { token: guest });
    assert.equal(errorCode(waiting), 'FORBIDDEN');
    assert.match(waiting.errors![0]!.message, /approves each guest/);
    assert.equal(errorCode(await server.gql(PhotoDocument, { id: photoId! }, { token: guest })), 'NOT_FOUND');

    const list = await server.gql(EventParticipantsDocument, { eventId }, { token: owner });
    const row = list.data!.eventParticipants.edges.find((e) => e.node.displayName === 'Uninvited Ursula')!.node;
    assert.equal(row.status, 'PENDING');
    assert.equal(errorCode(await server.gql(EventParticipantsDocument, { eventId }, { token: guest })), 'FORBIDDEN');
    assert.equal(errorCode(await server.gql(SetParticipantApprovalDocument, { id: row.id, approved: true }, { token: guest })), 'NOT_FOUND');

    const approved = await server.gql(SetParticipantApprovalDocument, { id: row.id, approved: true }, { token: owner });
    assert.equal(approved.data?.setParticipantApproval.status, 'APPROVED');
    assert.ok(approved.data?.setParticipantApproval.decidedAt);
    const gallery = await server.gql(MyPhotosDocument, { eventId }, { token: guest });
    assert.deepEqual(gallery.data?.myPhotos.edges.map((e) => e.node.id), [photoId]);

    await server.gql(SetParticipantApprovalDocument, { id: row.id, approved: false }, { token: owner });
    assert.equal(errorCode(await server.gql(MyPhotosDocument, { eventId }, { token: guest })), 'FORBIDDEN');
    assert.equal(errorCode(await server.gql(PhotoDocument, { id: photoId! }, { token: guest })), 'NOT_FOUND');
  });

  it('should let guests of an event without approval in at once', async () => {
    const { code } = await newEvent(server);
    const guest = await newAccount(server, 'PARTICIPANT');
    assert.equal((await server.gql(JoinEventDocument, { code, consent: true }, { token: guest })).data?.joinEvent.status, 'APPROVED');
  });
});
