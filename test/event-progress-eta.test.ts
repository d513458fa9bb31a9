import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventProgressDocument, RequestPhotoUploadsDocument, type EventProgressSubscription } from './generated/graphql.js';
import { newEvent } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { collect } from './support/live.js';

/**
 * What a photographer waits for: how many photos are ahead of theirs in the
 * queue the events share, and about how long that takes at the workers' pace.
 * The queue is laid out in the database (no worker runs), so the figures are exact.
 */
describe('eventProgress: photos ahead and the time they take', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher });
  });
  after(() => server.close());

  /** `count` photos of the event, in `status`, uploaded `agoSeconds` ago (and finished then, for DONE). */
  async function photos(owner: string, eventId: string, count: number, status: 'UPLOADED' | 'DONE', agoSeconds: number): Promise<void> {
    const files = Array.from({ length: count }, (_, i) => ({ filename: `p${i}.jpg`, contentType: 'image/jpeg', byteSize: 100 }));
    const made = await server.gql(RequestPhotoUploadsDocument, { eventId, files }, { token: owner });
    const ids = made.data!.requestPhotoUploads.map((p) => p.photo.id);
    await server.sql(
      `update photos set status = ?, created_at = now() - make_interval(secs => ?), processed_at = case when ? = 'DONE' then now() - make_interval(secs => ?) end where id = any(?::uuid[])`,
      [status, agoSeconds, status, agoSeconds, `{${ids.join(',')}}`],
    );
  }

  async function progressOf(owner: string, eventId: string) {
    const live = collect<EventProgressSubscription, { eventId: string }>(server.ws({ authorization: `Bearer ${owner}` }), EventProgressDocument, { eventId });
    const [first] = await live.until((v) => v.length >= 1);
    live.dispose();
    return first!.eventProgress;
  }

  it('should say nothing of time when nothing waits, or before any photo was finished lately (first: no worker has finished anything yet)', async () => {
    const idle = await newEvent(server, 'Idle');
    await photos(idle.owner, idle.eventId, 3, 'DONE', 3600);
    const calm = await progressOf(idle.owner, idle.eventId);
    assert.deepEqual([calm.ahead, calm.etaSeconds], [0, null]);
    await photos(idle.owner, idle.eventId, 2, 'UPLOADED', 5);
    // Photos wait, but no worker finished one in the last five minutes: no pace, so no guess.
    const waiting = await progressOf(idle.owner, idle.eventId);
    assert.deepEqual([waiting.ahead, waiting.etaSeconds], [2, null]);
  });

  it('should count every event\'s photos queued before this one\'s last, and divide by the pace of the last minutes', async () => {
    const busy = await newEvent(server, 'Earlier wedding');
    const mine = await newEvent(server, 'Race');
    // The workers finished 30 photos over the last minute: half a photo a second.
    await photos(busy.owner, busy.eventId, 30, 'DONE', 60);
    await server.sql(
      `update photos p set processed_at = now() - make_interval(secs => 2 * s.rn) from (select id, row_number() over (order by id) as rn from photos where event_id = ? and status = 'DONE') s where p.id = s.id`,
      [busy.eventId],
    );
    // 5 photos of another event were queued before ours, then our 10.
    await photos(busy.owner, busy.eventId, 5, 'UPLOADED', 30);
    await photos(mine.owner, mine.eventId, 10, 'UPLOADED', 10);
    const p = await progressOf(mine.owner, mine.eventId);
    assert.equal(p.uploaded, 10);
    assert.equal(p.ahead, 15, 'the other event\'s 5, queued first, then ours');
    assert.ok(p.etaSeconds !== null && p.etaSeconds !== undefined, 'a pace is known');
    // 15 photos at 30 per 60 s: 30 s.
    assert.ok(Math.abs(p.etaSeconds - 30) <= 2, `about 30 s, got ${p.etaSeconds}`);

    // The other event's photographer: their 5 come first; ours, queued later, are not ahead of them.
    const theirs = await progressOf(busy.owner, busy.eventId);
    assert.equal(theirs.ahead, 5);
  });
});
