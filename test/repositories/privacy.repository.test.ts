import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgPrivacyRepository } from '../../src/adapters/pg/pg.privacy.repository.js';
import { MeDocument } from '../generated/graphql.js';
import { newAccount } from '../support/flows.js';
import { plainHasher, startTestServer, type TestServer } from '../support/harness.js';

/** The privacy repository against the real schema: what the credential sweep deletes, and what it must keep. */
describe('PgPrivacyRepository', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher });
  });
  after(() => server.close());

  it('should delete expired links and ended devices, and keep what can still be used (or must be recognised)', async () => {
    const token = await newAccount(server, 'PARTICIPANT');
    const userId = (await server.gql(MeDocument, {}, { token })).data!.me!.id;
    const signedUp = (await server.sql<{ id: string }>('select id from auth_sessions where user_id = ?', [userId])).map((r) => r.id);
    const session = async (expires: string, revoked: string | null) =>
      (
        await server.sql<{ id: string }>(`insert into auth_sessions (id, user_id, expires_at, revoked_at) values (gen_random_uuid(), ?, now() + ?::interval, now() + ?::interval) returning id`, [
          userId,
          expires,
          revoked,
        ])
      )[0]!.id;
    const live = await session('10 days', null);
    const expired = await session('-1 day', null);
    const revokedLongAgo = await session('10 days', '-40 days');
    const revokedLately = await session('10 days', '-1 day');
    const refresh = async (sessionId: string, expires: string, used: boolean) =>
      server.sql(`insert into refresh_tokens (id, session_id, token_hash, expires_at, used_at) values (gen_random_uuid(), ?, md5(random()::text), now() + ?::interval, ${used ? 'now()' : 'null'})`, [sessionId, expires]);
    await refresh(live, '10 days', true); // spent, kept to recognise a reuse
    await refresh(live, '10 days', false);
    await refresh(live, '-1 hour', true);
    await server.sql(`insert into sign_in_links (id, user_id, token_hash, expires_at) values (gen_random_uuid(), ?, 'a', now() - interval '1 minute'), (gen_random_uuid(), ?, 'b', now() + interval '10 minutes')`, [userId, userId]);

    const deleted = await new PgPrivacyRepository(server.app.db.orm.em.fork()).sweepExpiredCredentials(30);
    const sessions = (await server.sql<{ id: string }>('select id from auth_sessions where user_id = ?', [userId])).map((r) => r.id).sort();
    assert.deepEqual(sessions, [...signedUp, live, revokedLately].sort(), `the live devices and the one revoked lately stay (${[expired, revokedLongAgo].join(', ')} go)`);
    const tokens = await server.sql<{ used: boolean }>('select used_at is not null as used from refresh_tokens where session_id = ? order by used_at nulls last', [live]);
    assert.ok((await server.sql('select id from refresh_tokens where session_id = ?', [signedUp[0]])).length > 0, "the sign-up's token stays");
    assert.deepEqual(tokens.map((t) => t.used), [true, false], 'the expired token goes; the spent and the unused live ones stay');
    assert.deepEqual((await server.sql<{ token_hash: string }>('select token_hash from sign_in_links where user_id = ?', [userId])).map((r) => r.token_hash), ['b']);
    assert.equal(deleted, 4);
  });
});
