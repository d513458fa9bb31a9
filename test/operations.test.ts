import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateCollectionCommand, DetectFacesCommand, IndexFacesCommand, RekognitionClient, SearchFacesCommand } from '@aws-sdk/client-rekognition';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { JoinEventDocument, PhotoStatusChangedDocument, type PhotoStatusChangedSubscription } from './generated/graphql.js';
import { newAccount, newAdmin, newEvent, sendSelfie, uploadPhotos, waitForPhoto } from './support/flows.js';
import { plainHasher, startTestServer, uniqueEmail, type TestServer } from './support/harness.js';
import { generatedPhotos, identityPhoto, truncate } from './support/images.js';
import { collect } from './support/live.js';

const METRICS_TOKEN = 'metrics-token-for-the-test';

/** Log lines as JSON objects, captured from the application's logger. */
class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
}

/**
 * What operators see after a known workload: admin queries, /metrics and logs.
 * Rekognition is played by the SDK client mock (no AWS here); everything else is real.
 */
describe('operations: admin queries, metrics, logs', () => {
  let rek: AwsClientStub<RekognitionClient>;
  let server: TestServer;
  const logs = new LogCapture();
  let admin: string;
  let owner: string;
  let eventId: string;
  let photoIds: string[] = [];
  const password = 'long enough password';

  before(async () => {
    rek = mockClient(RekognitionClient);
    rek.on(CreateCollectionCommand).resolves({});
    rek.on(DetectFacesCommand).resolves({ FaceDetails: [{ Confidence: 99.9, BoundingBox: { Left: 0.2, Top: 0.1, Width: 0.6, Height: 0.7 } }] });
    let n = 0;
    rek.on(IndexFacesCommand).callsFake(() => ({ FaceRecords: [{ Face: { FaceId: `face-${++n}`, Confidence: 99.5, BoundingBox: { Left: 0.1, Top: 0.2, Width: 0.1, Height: 0.15 } } }] }));
    rek.on(SearchFacesCommand).resolves({ FaceMatches: [] });
    server = await startTestServer({
      hasher: plainHasher,
      worker: true,
      logStream: logs,
      env: {
        LOG_LEVEL: 'info',
        FACE_RECOGNIZER_PROVIDER: 'aws',
        REKOGNITION_REGION: 'eu-west-1',
        REKOGNITION_USD_PER_1000_CALLS: '1.25',
        BATCH_MATCH_DELAY_SECONDS: '1',
        METRICS_TOKEN,
      },
    });
    admin = await newAdmin(server, 'ops@example.test', password);
    ({ owner, eventId } = await newEvent(server, 'Conference'));
    const { code } = (await server.sql<{ code: string }>('select code from events where id = ?', [eventId]))[0]!;
    const guest = await newAccount(server, 'PARTICIPANT');
    await server.gql(JoinEventDocument, { code, consent: true }, { token: guest });
    assert.equal((await sendSelfie(server, guest, await identityPhoto('raj', 1))).status, 'DONE');
    const photos = await generatedPhotos(4, 700);
    photoIds = await uploadPhotos(server, owner, eventId, [
      ...photos.map((bytes, i) => ({ name: `talk-${i}.jpg`, bytes })),
      { name: 'broken.jpg', bytes: truncate(photos[0]!) },
    ]);
    for (const id of photoIds) await waitForPhoto(server, owner, id);
    // The deferred participant search of the batch runs a moment later: the workload is over once it has.
    for (let i = 0; i < 100; i++) {
      const [{ n }] = (await server.sql<{ n: number }>(
        `select count(*)::int as n from pgboss.job where name like 'event-match%' and state in ('created', 'retry', 'active')`,
      )) as [{ n: number }];
      const [{ m }] = (await server.sql<{ m: number }>(`select count(*)::int as m from photos where participants_matched_at is null and status = 'DONE'`)) as [{ m: number }];
      if (n === 0 && m === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  after(async () => {
    await server.close();
    rek.restore();
  });

  async function adminQuery<T>(query: string, token = admin): Promise<{ data?: T; errors?: { extensions: { code: string } }[] }> {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
    return (await res.json()) as never;
  }

  it('should report the queue, its live worker and the photos of each event (queueStats)', async () => {
    const res = await adminQuery<{ queueStats: any }>(
      '{ queueStats { driver waiting active failed oldestWaitingSeconds workers { id pid concurrency alive lastSeenAt } photosByEvent { eventId eventName total pending uploaded processing done failed } } }',
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const q = res.data!.queueStats;
    assert.equal(q.driver, 'postgres');
    assert.equal(q.waiting, 0);
    assert.equal(q.oldestWaitingSeconds, null);
    assert.equal(q.workers.length, 1);
    assert.deepEqual([q.workers[0].pid, q.workers[0].concurrency, q.workers[0].alive], [process.pid, 2, true]);
    const mine = q.photosByEvent.find((e: { eventId: string }) => e.eventId === eventId);
    assert.deepEqual(mine, { eventId, eventName: 'Conference', total: 5, pending: 0, uploaded: 0, processing: 0, done: 4, failed: 1 });
    assert.equal((await adminQuery('{ queueStats { driver } }', owner)).errors?.[0]?.extensions.code, 'FORBIDDEN');
  });

  it('should count every Rekognition call by API and event, with its cost (faceEngineUsage)', async () => {
    let expected = rek.calls().length;
    let usage: any;
    for (let i = 0; i < 50; i++) {
      expected = rek.calls().length;
      usage = (await adminQuery<{ faceEngineUsage: any }>('{ faceEngineUsage { provider usdPer1000Calls total { calls usd byApi { api calls usd } } byEvent { eventId eventName calls usd byApi { api calls } } storedFaces storageUsdPerMonth } }')).data!.faceEngineUsage;
      if (usage.total.calls === expected) break;
      await new Promise((r) => setTimeout(r, 200)); // counts are written every 2 s
    }
    assert.equal(usage.provider, 'aws');
    assert.equal(usage.total.calls, expected, 'every call the SDK made is counted');
    assert.equal(usage.total.usd, (expected / 1000) * 1.25);
    const byApi = Object.fromEntries(usage.total.byApi.map((a: { api: string; calls: number }) => [a.api, a.calls]));
    const sent = (command: unknown) => rek.commandCalls(command as never).length;
    assert.deepEqual(byApi, Object.fromEntries(Object.entries({
      CreateCollection: sent(CreateCollectionCommand),
      DetectFaces: sent(DetectFacesCommand),
      IndexFaces: sent(IndexFacesCommand),
      SearchFaces: sent(SearchFacesCommand),
    }).filter(([, n]) => n > 0)));
    const event = usage.byEvent.find((e: { eventId: string | null }) => e.eventId === eventId);
    assert.equal(event.eventName, 'Conference');
    assert.equal(event.calls, expected - sent(DetectFacesCommand), 'all but the selfie check belong to the event');
    assert.equal(usage.byEvent.find((e: { eventId: string | null }) => e.eventId === null).calls, sent(DetectFacesCommand));
    assert.equal(usage.storedFaces, 4 + 1, 'four photo faces (the broken file has none) and one selfie');
  });

  it('should describe the deployment (systemStatus)', async () => {
    const s = (await adminQuery<{ systemStatus: any }>('{ systemStatus { version environment node postgres configSources ssmPrefix drivers { database objectStore jobQueue faceEngine mailer } migrations uptimeSeconds } }')).data!.systemStatus;
    assert.equal(s.version, '0.1.0');
    assert.equal(s.environment, 'test');
    assert.equal(s.node, process.version);
    assert.match(s.postgres, /^\d+\.\d+/);
    assert.deepEqual(s.configSources, ['defaults', 'environment']);
    assert.equal(s.ssmPrefix, null);
    assert.deepEqual(s.drivers, { database: 'postgres (DATABASE_URL)', objectStore: 'local', jobQueue: 'postgres', faceEngine: 'aws', mailer: 'custom' });
    assert.ok(s.migrations.includes('Migration20261122030000'));
  });

  it('should expose the named Prometheus series with plausible values, behind the metrics token', async () => {
    const ws = server.ws({ authorization: `Bearer ${owner}` });
    const live = collect<PhotoStatusChangedSubscription, { eventId: string }>(ws, PhotoStatusChangedDocument, { eventId });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await fetch(`${server.baseUrl}/metrics`)).status, 401);
    const res = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(series));
      assert.ok(line, `${series} is exposed`);
      return Number(line.split(' ').at(-1));
    };
    assert.ok(value('findme_graphql_operation_duration_seconds_count{operation="completePhotoUploads",outcome="ok"}') >= 1);
    assert.ok(value('findme_graphql_operation_duration_seconds_count{operation="photo",outcome="ok"}') >= 5);
    assert.ok(value('findme_http_responses_total{status="200"}') > 10);
    assert.ok(value('findme_http_responses_total{status="401"}') >= 1);
    assert.equal(value('findme_photos_processed_total{outcome="done"}'), 4);
    assert.equal(value('findme_photos_processed_total{outcome="failed"}'), 1);
    assert.ok(value('findme_face_engine_duration_seconds_count{stage="detect"}') >= 4);
    assert.ok(value('findme_face_engine_duration_seconds_count{stage="selfie"}') >= 1);
    // Where each processed photo's time went, stage by stage.
    for (const stage of ['read', 'renditions', 'faces', 'database', 'matching']) assert.equal(value(`findme_photo_stage_seconds_count{stage="${stage}"}`), 4, stage);
    assert.equal(value('findme_face_engine_calls_total{api="IndexFaces"}'), rek.commandCalls(IndexFacesCommand).length);
    assert.ok(Math.abs(value('findme_face_engine_cost_usd_total') - (rek.calls().length / 1000) * 1.25) < 1e-9);
    assert.equal(value('findme_queue_jobs{state="waiting"}'), 0);
    assert.equal(value('findme_queue_oldest_waiting_seconds'), 0);
    assert.ok(value('findme_graphql_ws_connections') >= 1);
    assert.ok(value('findme_graphql_ws_subscriptions') >= 1);
    assert.ok(value('findme_process_resident_memory_bytes') > 10_000_000);
    live.dispose();
  });

  it('should put the request id on every line of a request, the photo and job ids on every line of a job, and never a secret', async () => {
    const email = uniqueEmail('logged');
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-logs-1' },
      body: JSON.stringify({ query: 'mutation($i: RegisterInput!) { register(input: $i) { token } }', variables: { i: { email, password, displayName: 'Logged', role: 'PARTICIPANT' } } }),
    });
    const token = ((await res.json()) as { data: { register: { token: string } } }).data.register.token;
    await new Promise((r) => setTimeout(r, 100));
    const requestLines = logs.lines.filter((l) => l['requestId'] === 'req-logs-1');
    assert.ok(requestLines.some((l) => l['msg'] === 'account registered'), 'the request logged');
    assert.ok(logs.lines.filter((l) => l['msg'] === 'account registered').every((l) => typeof l['requestId'] === 'string'));
    const jobLines = logs.lines.filter((l) => l['component'] === 'worker' && typeof l['msg'] === 'string' && /photo (processed|failed)/.test(l['msg'] as string));
    assert.ok(jobLines.length >= 5);
    for (const line of jobLines) {
      assert.ok(photoIds.includes(line['photoId'] as string), JSON.stringify(line));
      assert.equal(typeof line['jobId'], 'string', JSON.stringify(line));
    }
    const all = logs.raw.join('\n');
    for (const secret of [password, token, admin, server.app.config.auth.secretKey, METRICS_TOKEN]) assert.ok(!all.includes(secret), 'no secret in the logs');
  });
});
