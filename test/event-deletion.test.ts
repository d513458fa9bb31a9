import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventProgressDocument, JoinEventDocument, MeDocument, MyPhotosDocument, type EventProgressSubscription } from './generated/graphql.js';
import { newAccount, newEvent, uploadPhotos, waitForPhoto } from './support/flows.js';
import { errorCode, plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';
import { collect } from './support/live.js';

/** Rows of any table of ours whose text mentions one of the needles. */
async function rowsMentioning(server: TestServer, needles: string[]): Promise<string[]> {
  const tables = await server.sql<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
  const found: string[] = [];
  for (const { table_name: table } of tables) {
    const rows = await server.sql<{ row: string }>(`select row_to_json(t)::text as row from "${table}" t`);
    for (const { row } of rows) if (needles.some((n) => row.includes(n))) found.push(`${table}: ${row.slice(0, 160)}`);
  }
  return found;
}

describe('deleting an event (in the background)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true });
  });
  after(() => server.close());

  it('should hide the event at once, then remove every row, object and face, the owner watching the counts fall to zero', async () => {
    const { owner, eventId, code } = await newEvent(server, 'Farewell');
    const ids = await uploadPhotos(server, owner, eventId, (await generatedPhotos(12, 300)).map((bytes, i) => ({ name: `f${i}.jpg`, bytes })));
    for (const id of ids) await waitForPhoto(server, owner, id);
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    const guestId = (await server.gql(MeDocument, {}, { token: guest })).data!.me!.id;
    const [face] = await server.sql<{ id: string }>(
      `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, created_at) values (gen_random_uuid(), ?, 0, 0.1, 0.1, 0.2, 0.2, 0.99, now()) returning id`,
      [ids[0]],
    );
    await server.sql(`insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at) values (gen_random_uuid(), ?, ?, ?::uuid, ?, 80, 'INGEST', now())`, [ids[0], guestId, guestId, face!.id]);
    const objectsDir = path.join(server.dataDir, 'objects', 'events', eventId);
    assert.ok((await readdir(objectsDir, { recursive: true })).length > 0);

    const progress = collect<EventProgressSubscription, { eventId: string }>(server.ws({ authorization: `Bearer ${owner}` }), EventProgressDocument, { eventId });
    await progress.until((v) => v.some((p) => p.eventProgress.total === 12));

    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
      body: JSON.stringify({ query: 'mutation($id: ID!) { deleteEvent(id: $id) }', variables: { id: eventId } }),
    });
    assert.equal(((await res.json()) as { data: { deleteEvent: string } }).data.deleteEvent, eventId, 'the id comes back, for caches to evict');

    // Gone for every reader at once.
    const eventQuery = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
      body: JSON.stringify({ query: 'query($id: ID!) { event(id: $id) { id } myEvents(first: 10) { totalCount } }', variables: { id: eventId } }),
    });
    const answer = (await eventQuery.json()) as { errors?: { extensions?: { code?: string } }[] };
    assert.equal(answer.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    assert.equal(errorCode(await server.gql(MyPhotosDocument, { eventId }, { token: guest })), 'NOT_FOUND');

    await progress.until((v) => v.at(-1)?.eventProgress.total === 0);
    for (let i = 0; i < 200 && (await server.sql('select id from events where id = ?', [eventId])).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await rowsMentioning(server, [eventId, ...ids, face!.id]), [], 'no row names the event, its photos or its faces');
    assert.deepEqual(await readdir(objectsDir, { recursive: true }).catch(() => []), [], 'no object left');
    assert.ok((await server.gql(MeDocument, {}, { token: guest })).data?.me?.id, 'the guest keeps their account');
    progress.dispose();
  });

  it('should refuse a guest of the event (FORBIDDEN) and leave the event as it was', async () => {
    const { eventId, code } = await newEvent(server, 'Kept');
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${guest}` },
      body: JSON.stringify({ query: 'mutation($id: ID!) { deleteEvent(id: $id) }', variables: { id: eventId } }),
    });
    assert.equal(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'FORBIDDEN');
    const [row] = await server.sql<{ deleting_at: string | null }>('select deleting_at from events where id = ?', [eventId]);
    assert.equal(row!.deleting_at, null);
  });
});
