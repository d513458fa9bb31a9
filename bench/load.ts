/**
 * bench/load: guests against a `findme serve` process holding an event of
 * 10,000 DONE photos, with autocannon on loopback.
 *
 *  1. baseline: a bare Apollo Server answering `myPhotos` with a constant page
 *     of 50 photos, 50 connections;
 *  2. FindMe `myPhotos(first: 50)`, 50 connections (one guest each): the ratio
 *     to the baseline (target ≥ 0.5) and p99 (target < 50 ms);
 *  3. 300 concurrent guests: each logs in (argon2), then loops myEvents,
 *     myPhotos (first 50) and downloads thumbnails for the run's duration:
 *     throughput, p50/p95/p99 and errors (target: none, p95 < 200 ms).
 *
 *   npm run bench:load [-- --photos 10000 --guests 300 --seconds 60 --baseline-seconds 15]
 */
import { spawn } from 'node:child_process';
import autocannon, { type Request as CannonRequest } from 'autocannon';
import { Role } from '../src/domain/entities/index.js';
import { arg, benchEnvironment, freePort, machine, percentile, startServerChild, stopChild } from './support/harness.js';

const PHOTOS = arg('--photos', 10_000);
const GUESTS = arg('--guests', 300);
const SECONDS = arg('--seconds', 60);
const BASELINE_SECONDS = arg('--baseline-seconds', 15);
const PER_GUEST_MATCHES = 40;
const PASSWORD = 'long enough password';

const MY_PHOTOS = `query MyPhotos($eventId: ID!, $first: Int) {
  myPhotos(eventId: $eventId, first: $first) {
    totalCount
    edges { cursor node { id originalFilename width height thumbnailUrl showInGeneral myMatch { similarity box { left top width height } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const MY_EVENTS = `query { myEvents(first: 20) { totalCount edges { node { id name date photographer { displayName } } } } }`;

interface Outcome {
  /** Every response time, in ms. */
  latencies: number[];
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

async function main(): Promise<void> {
  const bench = await benchEnvironment('load', {
    // Every simulated guest shares one loopback address.
    LOGIN_MAX_FAILURES_PER_IP: '100000',
    REGISTER_MAX_PER_IP: '100000',
  });
  let server: Awaited<ReturnType<typeof startServerChild>> | undefined;
  try {
    const seeded = await seed(bench);
    server = await startServerChild(bench.env);
    const graphql = `${server.url}/graphql`;

    // 1 + 2: myPhotos against the bare Apollo baseline, 50 connections, in alternating rounds so
    // that drift in this shared machine's speed falls on both sides alike.
    const bare = await bareApollo();
    const tokens50 = await loginAll(graphql, seeded.emails.slice(0, 50));
    const rounds = Math.max(1, Math.round(BASELINE_SECONDS / 5));
    const slice = BASELINE_SECONDS / rounds;
    // Both sides warm up first (JIT, prepared statements, pools); those requests are not counted.
    await cannon({ url: bare.url, connections: 50, seconds: 2, tokens: [''], eventId: seeded.eventId, flow: 'myPhotos' });
    await cannon({ url: graphql, connections: 50, seconds: 2, tokens: tokens50.tokens, eventId: seeded.eventId, flow: 'myPhotos' });
    const baselineRounds: Outcome[] = [];
    const findmeRounds: Outcome[] = [];
    for (let r = 0; r < rounds; r++) {
      baselineRounds.push(await cannon({ url: bare.url, connections: 50, seconds: slice, tokens: [''], eventId: seeded.eventId, flow: 'myPhotos' }));
      findmeRounds.push(await cannon({ url: graphql, connections: 50, seconds: slice, tokens: tokens50.tokens, eventId: seeded.eventId, flow: 'myPhotos' }));
    }
    await stopChild(bare.child);
    const baseline = merge(baselineRounds, BASELINE_SECONDS);
    const findme50 = merge(findmeRounds, BASELINE_SECONDS);
    const roundRatios = findmeRounds.map((f, i) => (f.rps / baselineRounds[i]!.rps).toFixed(2));

    // 3: the guests, logging in together, then browsing.
    const logins = await loginAll(graphql, seeded.emails);
    const guests = await cannon({ url: graphql, connections: GUESTS, seconds: SECONDS, tokens: logins.tokens, eventId: seeded.eventId, flow: 'guest' });

    const ratio = findme50.rps / baseline.rps;
    console.log(`bench/load on ${machine()}; event of ${PHOTOS} DONE photos, ${PER_GUEST_MATCHES} matches per guest`);
    console.log(`  baseline  bare Apollo, constant myPhotos page, 50 conn: ${fmt(baseline)}`);
    console.log(`  FindMe    myPhotos(first: 50), 50 guests:               ${fmt(findme50)}  → ${ratio.toFixed(2)}× the baseline (target ≥ 0.5, p99 < 50 ms)`);
    console.log(`            ${rounds} alternating rounds of ${slice.toFixed(1)} s each, ratio per round: ${roundRatios.join(', ')}`);
    console.log(`  logins    ${GUESTS} guests at once (argon2id): p50 ${logins.p50} ms, p95 ${logins.p95} ms, p99 ${logins.p99} ms, errors ${logins.errors}`);
    console.log(`  guests    ${GUESTS} guests × (myEvents, myPhotos(first: 50), 3 thumbnails) for ${SECONDS} s: ${fmt(guests)} (target: 0 errors, p95 < 200 ms)`);
    console.log(
      `RESULT baseline_rps=${baseline.rps.toFixed(0)} myphotos_rps=${findme50.rps.toFixed(0)} ratio=${ratio.toFixed(2)} myphotos_p99_ms=${findme50.p99} ` +
        `guests=${GUESTS} guest_rps=${guests.rps.toFixed(0)} guest_p50_ms=${guests.p50} guest_p95_ms=${guests.p95} guest_p99_ms=${guests.p99} guest_errors=${guests.errors} login_p95_ms=${logins.p95} login_errors=${logins.errors}`,
    );
  } finally {
    await server?.stop();
    await bench.close();
  }
}

/** Rounds of one side as one run of `seconds`. */
function merge(rounds: Outcome[], seconds: number): Outcome {
  const latencies = rounds.flatMap((r) => r.latencies);
  const requests = rounds.reduce((n, r) => n + r.requests, 0);
  return {
    latencies,
    requests,
    rps: requests / seconds,
    p50: Math.round(percentile(latencies, 50)),
    p95: Math.round(percentile(latencies, 95)),
    p99: Math.round(percentile(latencies, 99)),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
  };
}

function fmt(o: Outcome): string {
  return `${o.rps.toFixed(0)} req/s, p50 ${o.p50} ms, p95 ${o.p95} ms, p99 ${o.p99} ms, ${o.errors} errors (${o.requests} requests)`;
}

/** An event of PHOTOS DONE photos sharing one real thumbnail, GUESTS guests each found in PER_GUEST_MATCHES photos. */
async function seed(bench: Awaited<ReturnType<typeof benchEnvironment>>): Promise<{ eventId: string; emails: string[] }> {
  const services = bench.app.services(bench.db.orm.em.fork());
  const { user: owner } = await services.accounts.register({ email: 'studio@example.test', password: PASSWORD, displayName: 'Studio', role: Role.PHOTOGRAPHER }, 'bench');
  const event = await services.events.createEvent(owner, { name: 'City Marathon', date: '2026-06-01' });
  const sharp = (await import('sharp')).default;
  const thumb = await sharp({ create: { width: 400, height: 267, channels: 3, background: '#88aacc' } }).webp({ quality: 75 }).toBuffer();
  await bench.app.store.put('bench/thumb.webp', thumb, 'image/webp');
  const sql = bench.db.orm.em.getConnection();
  await sql.execute(
    `insert into photos (id, event_id, uploader_id, original_filename, content_type, byte_size, original_key, display_key, thumbnail_key, status, width, height, face_count, show_in_general, processed_at, participants_matched_at, created_at, updated_at, attempts)
     select gen_random_uuid(), ?, ?, 'IMG_' || n || '.jpg', 'image/jpeg', 4000000, 'bench/original', 'bench/thumb.webp', 'bench/thumb.webp', 'DONE', 6000, 4000, 1, n % 100 = 0, now(), now(), now() - (n || ' seconds')::interval, now(), 1
       from generate_series(1, ?) n`,
    [event.id, owner.id, PHOTOS],
  );
  await sql.execute(
    `insert into faces (id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, created_at)
     select gen_random_uuid(), id, 0, 0.4, 0.3, 0.1, 0.15, 0.99, now() from photos where event_id = ?`,
    [event.id],
  );
  const emails: string[] = [];
  for (let g = 0; g < GUESTS; g++) {
    const email = `guest${g}@example.test`;
    const { user } = await services.accounts.register({ email, password: PASSWORD, displayName: `Guest ${g}`, role: Role.PARTICIPANT }, 'bench');
    await services.events.joinEvent(user, event.code, true, 'bench');
    emails.push(email);
  }
  await sql.execute(
    `insert into matches (id, photo_id, user_id, person_id, face_id, similarity, source, created_at)
     select gen_random_uuid(), f.photo_id, u.id, u.id, f.id, 80, 'INGEST', now()
       from (select id, row_number() over (order by email) - 1 as g from users where role = 'PARTICIPANT') u
       join (select f.id, f.photo_id, row_number() over (order by p.created_at) - 1 as n from faces f join photos p on p.id = f.photo_id where p.event_id = ?) f
         on f.n >= u.g * 30 and f.n < u.g * 30 + ?`,
    [event.id, PER_GUEST_MATCHES],
  );
  await sql.execute('analyze');
  return { eventId: event.id, emails };
}

/** Everyone logs in at once over HTTP; returns the tokens and the latencies. */
async function loginAll(url: string, emails: string[]): Promise<{ tokens: string[]; p50: number; p95: number; p99: number; errors: number }> {
  const times: number[] = [];
  let errors = 0;
  const tokens = await Promise.all(
    emails.map(async (email) => {
      const started = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation($i: LoginInput!) { login(input: $i) { token } }', variables: { i: { email, password: PASSWORD } } }),
      });
      const body = (await res.json()) as { data?: { login: { token: string } }; errors?: unknown };
      times.push(Math.round(performance.now() - started));
      if (!body.data) errors += 1;
      return body.data?.login.token ?? '';
    }),
  );
  return { tokens, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), errors };
}

interface GuestContext {
  token?: string;
  thumbs?: string[];
}

/** Runs autocannon; each connection is one guest (token), GraphQL errors count as errors. */
async function cannon(options: { url: string; connections: number; seconds: number; tokens: string[]; eventId: string; flow: 'myPhotos' | 'guest' }): Promise<Outcome> {
  let next = 0;
  let graphqlErrors = 0;
  const latencies: number[] = [];
  const target = new URL(options.url);
  const withToken = (req: CannonRequest, context: GuestContext): CannonRequest => {
    context.token ??= options.tokens[next++ % options.tokens.length];
    return { ...req, headers: { ...req.headers, 'content-type': 'application/json', ...(context.token ? { authorization: `Bearer ${context.token}` } : {}) } };
  };
  const checkGraphQL = (_status: number, body: string) => {
    if (body.includes('"errors"')) graphqlErrors += 1;
  };
  const myPhotos: CannonRequest = {
    method: 'POST',
    path: target.pathname,
    body: JSON.stringify({ query: MY_PHOTOS, variables: { eventId: options.eventId, first: 50 } }),
    setupRequest: withToken as never,
    onResponse: ((status: number, body: string, context: GuestContext) => {
      checkGraphQL(status, body);
      if (options.flow === 'guest') {
        const urls = [...body.matchAll(/"thumbnailUrl":"([^"]+)"/g)].map((m) => m[1]!);
        context.thumbs = urls.slice(0, 3).map((u) => new URL(u.replace(/\\u0026/g, '&')).pathname + new URL(u.replace(/\\u0026/g, '&')).search);
      }
    }) as never,
  };
  const requests: CannonRequest[] =
    options.flow === 'myPhotos'
      ? [myPhotos]
      : [
          { method: 'POST', path: target.pathname, body: JSON.stringify({ query: MY_EVENTS }), setupRequest: withToken as never, onResponse: checkGraphQL as never },
          myPhotos,
          ...[0, 1, 2].map(
            (i): CannonRequest => ({
              method: 'GET',
              setupRequest: ((req: CannonRequest, context: GuestContext) => ({ ...req, method: 'GET', path: context.thumbs?.[i] ?? '/healthz', headers: {}, body: undefined })) as never,
            }),
          ),
        ];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: `${target.protocol}//${target.host}`, connections: options.connections, duration: options.seconds, requests, timeout: 10 },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  const httpErrors = result.errors + result.timeouts + result.non2xx;
  return {
    latencies,
    requests: result.requests.total,
    rps: result.requests.total / options.seconds,
    p50: Math.round(percentile(latencies, 50)),
    p95: Math.round(percentile(latencies, 95)),
    p99: Math.round(percentile(latencies, 99)),
    errors: httpErrors + graphqlErrors,
  };
}

/** A bare Apollo Server in its own process answering myPhotos with a constant page of 50 photos. */
async function bareApollo(): Promise<{ url: string; child: ReturnType<typeof spawn> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [new URL('./support/bare-apollo.js', import.meta.url).pathname, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`bare Apollo exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/graphql`, child };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
