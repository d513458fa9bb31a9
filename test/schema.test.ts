import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { LocalPubSub } from '../src/graphql/pubsub.js';
import { createSchema, printSortedSchema } from '../src/graphql/schema.js';
import { startTestServer, type TestServer } from './support/harness.js';

const root = new URL('../../', import.meta.url);

describe('schema and migrations', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('should match the committed schema.graphql (run `npm run schema` after changing the API)', async () => {
    const emitted = printSortedSchema(await createSchema(new LocalPubSub()));
    const committed = await readFile(new URL('schema.graphql', root), 'utf8');
    assert.equal(committed, emitted);
  });

  it('should carry the fixed names of the design contract', async () => {
    const sdl = await readFile(new URL('schema.graphql', root), 'utf8');
    for (const name of [
      'me: User',
      'eventByCode(code: String!): EventPreview',
      'event(id: ID!): Event',
      'myEvents(after: String, first: Int): EventConnection!',
      'privacyPolicy: PrivacyPolicy!',
      'register(input: RegisterInput!): AuthPayload!',
      'login(input: LoginInput!): AuthPayload!',
      'requestPasswordReset(email: String!): Boolean!',
      'resetPassword(newPassword: String!, token: String!): Boolean!',
      'createEvent(input: CreateEventInput!): Event!',
      'joinEvent(code: String!, consent: Boolean!): Participation!',
    ]) {
      assert.ok(sdl.includes(name), `schema.graphql lacks ${name}`);
    }
  });

  it('should have migrations that produce exactly the schema the entities describe', async () => {
    const migrator = server.app.db.orm.getMigrator();
    assert.deepEqual(await migrator.getPendingMigrations(), []);
    const diff = await server.app.db.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    assert.equal(diff.trim(), '', `entities and migrations differ:\n${diff}`);
  });

  it('should roll the migrations back down and up again', async () => {
    const migrator = server.app.db.orm.getMigrator();
    await migrator.down({ to: 0 });
    const tables = await server.sql<{ n: number }>(`select count(*)::int as n from pg_tables where schemaname = 'public' and tablename <> 'mikro_orm_migrations'`);
    assert.equal(tables[0]?.n, 0);
    await migrator.up();
    assert.deepEqual(await migrator.getPendingMigrations(), []);
  });
});
