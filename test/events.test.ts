import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateEventDocument,
  EventByCodeDocument,
  EventDocument,
  JoinEventDocument,
  MyEventsDocument,
  type MyEventsQuery,
  PrivacyPolicyDocument,
  RegisterDocument,
} from './generated/graphql.js';
import { errorCode, plainHasher, startTestServer, uniqueEmail, type GraphQLResponse, type TestServer } from './support/harness.js';
import { newAdmin } from './support/flows.js';

describe('events', () => {
  let server: TestServer;
  let photographer: string;
  let otherPhotographer: string;
  let guest: string;
  let outsider: string;
  let admin: string;

  async function account(role: 'PARTICIPANT' | 'PHOTOGRAPHER', email = uniqueEmail(role.toLowerCase()), displayName = 'Someone') {
    const res = await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName, role } });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.register.token;
  }

  async function createEvent(token: string, input: { name: string; date: string; code?: string }) {
    const res = await server.gql(CreateEventDocument, { input }, { token });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.createEvent;
  }

  before(async () => {
    server = await startTestServer({ hasher: plainHasher });
    photographer = await account('PHOTOGRAPHER', uniqueEmail('ph'), 'Studio Lumière');
    otherPhotographer = await account('PHOTOGRAPHER');
    guest = await account('PARTICIPANT');
    outsider = await account('PARTICIPANT');
    admin = await newAdmin(server);
  });
  after(() => server.close());

  it('should let a photographer create an event with a generated, readable code', async () => {
    const event = await createEvent(photographer, { name: 'Mariage Sophie & Paul', date: '2026-06-20' });
    assert.match(event.code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/, '40 random bits in Crockford base32');
    assert.equal(event.date, '2026-06-20');
    assert.equal(event.photographer.displayName, 'Studio Lumière');
    assert.deepEqual(event.settings, { publicGallery: true, matchThreshold: null });
  });

  it('should accept a chosen code case-insensitively and refuse a taken or malformed one', async () => {
    const event = await createEvent(photographer, { name: 'Trail 2026', date: '2026-09-01', code: 'vercors-trail-26' });
    assert.equal(event.code, 'VERCORS-TRAIL-26');
    const taken = await server.gql(CreateEventDocument, { input: { name: 'Copy', date: '2026-09-01', code: 'Vercors-Trail-26' } }, { token: otherPhotographer });
    assert.equal(errorCode(taken), 'CONFLICT');
    assert.equal(taken.errors?.[0]?.extensions?.['field'], 'code');
    const malformed = await server.gql(CreateEventDocument, { input: { name: 'X', date: '2026-09-01', code: 'a b!' } }, { token: photographer });
    assert.equal(errorCode(malformed), 'BAD_USER_INPUT');
    assert.equal(malformed.errors?.[0]?.extensions?.['field'], 'code');
  });

  it('should refuse impossible dates and empty names, naming the field', async () => {
    const date = await server.gql(CreateEventDocument, { input: { name: 'X', date: '2026-02-30' } }, { token: photographer });
    assert.ok(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'].includes(String(errorCode(date))));
    assert.match(date.errors![0]!.message, /yyyy-mm-dd/);
    const name = await server.gql(CreateEventDocument, { input: { name: ' ', date: '2026-02-03' } }, { token: photographer });
    assert.equal(errorCode(name), 'BAD_USER_INPUT');
    assert.equal(name.errors?.[0]?.extensions?.['field'], 'name');
  });

  it('should refuse createEvent to participants (FORBIDDEN) and to anonymous callers (UNAUTHENTICATED)', async () => {
    const input = { name: 'Nope', date: '2026-01-01' };
    assert.equal(errorCode(await server.gql(CreateEventDocument, { input }, { token: guest })), 'FORBIDDEN');
    assert.equal(errorCode(await server.gql(CreateEventDocument, { input })), 'UNAUTHENTICATED');
  });

  it('should show anyone a preview by code with only name, date and photographer name', async () => {
    const event = await createEvent(photographer, { name: 'Gala', date: '2026-12-31', code: 'GALA-NYE' });
    const res = await server.gql(EventByCodeDocument, { code: '  gala-nye ' });
    assert.deepEqual(res.data?.eventByCode, { code: 'GALA-NYE', name: 'Gala', date: '2026-12-31', photographerName: 'Studio Lumière' });
    const raw = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ eventByCode(code: "GALA-NYE") { id } }' }),
    });
    assert.equal(raw.status, 400, 'EventPreview has no id field');
    assert.equal((await server.gql(EventByCodeDocument, { code: 'NO-SUCH-CODE' })).data?.eventByCode, null);
    assert.ok(event.id);
  });

  it('should require consent to join, record it with the policy version, and be idempotent', async () => {
    const event = await createEvent(photographer, { name: 'Conference', date: '2026-03-10' });
    const refused = await server.gql(JoinEventDocument, { code: event.code, consent: false }, { token: guest });
    assert.equal(errorCode(refused), 'BAD_USER_INPUT');
    assert.equal(refused.errors?.[0]?.extensions?.['field'], 'consent');
    assert.equal(errorCode(await server.gql(EventDocument, { id: event.id }, { token: guest })), 'NOT_FOUND', 'refusal did not join');

    const policy = (await server.gql(PrivacyPolicyDocument, {})).data!.privacyPolicy;
    const first = await server.gql(JoinEventDocument, { code: event.code.toLowerCase(), consent: true }, { token: guest });
    assert.equal(first.errors, undefined);
    assert.equal(first.data?.joinEvent.event.id, event.id);
    assert.equal(first.data?.joinEvent.consentVersion, policy.version);
    const [again, concurrent] = await Promise.all([
      server.gql(JoinEventDocument, { code: event.code, consent: true }, { token: guest }),
      server.gql(JoinEventDocument, { code: event.code, consent: true }, { token: guest }),
    ]);
    assert.equal(again.data?.joinEvent.joinedAt, first.data?.joinEvent.joinedAt);
    assert.equal(concurrent.data?.joinEvent.joinedAt, first.data?.joinEvent.joinedAt);
    const rows = await server.sql<{ n: number }>('select count(*)::int as n from participations where event_id = ?', [event.id]);
    assert.equal(rows[0]?.n, 1);

    assert.equal(errorCode(await server.gql(JoinEventDocument, { code: 'NOPE-0000', consent: true }, { token: guest })), 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(JoinEventDocument, { code: event.code, consent: true })), 'UNAUTHENTICATED');
  });

  it('should show an event to its owner, participants and admins only; others get NOT_FOUND', async () => {
    const event = await createEvent(photographer, { name: 'Private party', date: '2026-05-05' });
    await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token: guest });
    const owner = await server.gql(EventDocument, { id: event.id }, { token: photographer });
    assert.equal(owner.data?.event?.name, 'Private party');
    assert.deepEqual(owner.data?.event?.settings, { publicGallery: true });
    const member = await server.gql(EventDocument, { id: event.id }, { token: guest });
    assert.equal(member.data?.event?.name, 'Private party');
    assert.equal(member.data?.event?.settings, null, 'guests do not see settings');
    const asAdmin = await server.gql(EventDocument, { id: event.id }, { token: admin });
    assert.equal(asAdmin.data?.event?.id, event.id);

    const hidden = await server.gql(EventDocument, { id: event.id }, { token: outsider });
    const missing = await server.gql(EventDocument, { id: '00000000-0000-4000-8000-000000000000' }, { token: outsider });
    const malformed = await server.gql(EventDocument, { id: 'x' }, { token: outsider });
    for (const res of [hidden, missing, malformed]) {
      assert.equal(errorCode(res), 'NOT_FOUND');
      assert.equal(res.errors?.[0]?.message, 'Event not found.');
    }
    assert.equal(errorCode(await server.gql(EventDocument, { id: event.id }, { token: otherPhotographer })), 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(EventDocument, { id: event.id })), 'UNAUTHENTICATED');
  });

  it('should page myEvents newest first with stable cursors and a total count', async () => {
    const owner = await account('PHOTOGRAPHER');
    const member = await account('PARTICIPANT');
    const dates = ['2026-01-05', '2026-03-01', '2026-03-01', '2026-07-14', '2025-12-24'];
    const created = [];
    for (const [i, date] of dates.entries()) created.push(await createEvent(owner, { name: `Event ${i}`, date }));
    for (const event of created.slice(0, 3)) {
      await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token: member });
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const res: GraphQLResponse<MyEventsQuery> = await server.gql(MyEventsDocument, { first: 2, after }, { token: owner });
      assert.equal(res.errors, undefined);
      const conn = res.data!.myEvents;
      assert.equal(conn.totalCount, 5);
      seen.push(...conn.edges.map((e) => e.node.date));
      assert.equal(conn.pageInfo.hasPreviousPage, page > 0);
      assert.equal(conn.pageInfo.hasNextPage, page < 2);
      after = conn.pageInfo.endCursor ?? null;
    }
    assert.deepEqual(seen, [...dates].sort().reverse());

    const joined = await server.gql(MyEventsDocument, { first: 10 }, { token: member });
    assert.equal(joined.data?.myEvents.totalCount, 3);
    assert.deepEqual(
      joined.data?.myEvents.edges.map((e) => e.node.photographer.displayName),
      ['Someone', 'Someone', 'Someone'],
    );
    const none = await server.gql(MyEventsDocument, {}, { token: outsider });
    assert.equal(none.data?.myEvents.edges.length, 0);

    assert.equal(errorCode(await server.gql(MyEventsDocument, { first: 0 }, { token: owner })), 'BAD_USER_INPUT');
    assert.equal(errorCode(await server.gql(MyEventsDocument, { first: 101 }, { token: owner })), 'BAD_USER_INPUT');
    assert.equal(errorCode(await server.gql(MyEventsDocument, { after: 'bogus' }, { token: owner })), 'BAD_USER_INPUT');
    assert.equal(errorCode(await server.gql(MyEventsDocument, {})), 'UNAUTHENTICATED');
  });

  it('should serve the privacy policy publicly', async () => {
    const res = await server.gql(PrivacyPolicyDocument, {});
    const policy = res.data!.privacyPolicy;
    assert.match(policy.version, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(policy.consentText, /biometric/);
    assert.equal(policy.faceDataRetentionDays, 90);
    assert.ok(policy.retentionRules.length >= 3);
  });
});

describe('events (query count)', () => {
  it('should load the photographers of a whole myEvents page in one query (no N+1)', async () => {
    const server = await startTestServer({ hasher: plainHasher });
    try {
      const register = async (role: 'PARTICIPANT' | 'PHOTOGRAPHER') =>
        (await server.gql(RegisterDocument, { input: { email: uniqueEmail(), password: 'long enough password', displayName: role, role } })).data!
          .register.token;
      const guest = await register('PARTICIPANT');
      for (let i = 0; i < 6; i++) {
        const owner = await register('PHOTOGRAPHER');
        const event = (await server.gql(CreateEventDocument, { input: { name: `E${i}`, date: '2026-01-01' } }, { token: owner })).data!.createEvent;
        await server.gql(JoinEventDocument, { code: event.code, consent: true }, { token: guest });
      }
      const knex = server.app.db.orm.em.getConnection().getKnex();
      const queries: string[] = [];
      const listener = (q: { sql: string }) => queries.push(q.sql);
      knex.on('query', listener);
      const res = await server.gql(MyEventsDocument, { first: 10 }, { token: guest });
      knex.off('query', listener);
      assert.equal(res.data?.myEvents.edges.length, 6);
      const userQueries = queries.filter((q) => /from "users"/.test(q));
      // One batch for the six photographers; the token's user was verified by the request before (cached) or costs one.
      assert.ok(userQueries.length >= 1 && userQueries.length <= 2, queries.join('\n'));
      assert.equal(userQueries.filter((q) => / in \(/.test(q)).length, 1, queries.join('\n'));
      assert.ok(queries.length <= 6, `${queries.length} queries:\n${queries.join('\n')}`);
    } finally {
      await server.close();
    }
  });
});
