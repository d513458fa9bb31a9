/**
 * bench/subscribers: N graphql-ws subscribers (photoStatusChanged) on one event
 * of a `findme serve` process; the worker's path announces a status change
 * (PostgreSQL NOTIFY through the event bus) and each subscriber notes when it
 * arrives. Reports delivery p50/p99 and the server's memory per connection.
 * Baseline in the same run: a bare `ws` server broadcasting the same number of
 * messages to as many plain sockets.
 *
 *   npm run bench:subscribers [-- --subscribers 2000 --rounds 5]
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import { Role } from '../src/domain/entities/index.js';
import { PhotoStatus } from '../src/domain/entities/photo.entity.js';
import { arg, benchEnvironment, machine, percentile, rssOf, startServerChild } from './support/harness.js';

const SUBSCRIBERS = arg('--subscribers', 2000);
const ROUNDS = arg('--rounds', 5);

async function main(): Promise<void> {
  const bench = await benchEnvironment('subscribers', { WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '5' });
  const server = await startServerChild(bench.env);
  const clients: Client[] = [];
  try {
    const services = bench.app.services(bench.db.orm.em.fork());
    const { token, user } = await services.accounts.register({ email: 'studio@example.test', password: 'long enough password', displayName: 'Studio', role: Role.PHOTOGRAPHER }, 'bench');
    const event = await services.events.createEvent(user, { name: 'Marathon', date: '2026-06-01' });
    await bench.app.bus.start();

    // Let the server settle, then take its memory before the sockets.
    await new Promise((r) => setTimeout(r, 1000));
    const rssBefore = await rssOf(server.pid);

    // Per round, when each subscriber (by index) first received the announcement of that round.
    const arrivals: Map<number, number>[] = Array.from({ length: ROUNDS + 1 }, () => new Map());
    let announcement = 0;
    const wsUrl = `${server.url.replace(/^http/, 'ws')}/graphql`;
    const connectStarted = Date.now();
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 5, lazy: false, onNonLazyError: () => undefined });
      clients.push(client);
      client.subscribe<{ photoStatusChanged: { status: string; photo: { originalFilename: string } } }>(
        { query: `subscription { photoStatusChanged(eventId: "${event.id}") { status photo { id originalFilename } } }` },
        {
          next: (r) => {
            const [, round, nth] = /round-(\d+)-(\d+)/.exec(r.data?.photoStatusChanged.photo.originalFilename ?? '') ?? [];
            // Only the latest announcement counts (a late copy of an earlier warm-up one does not).
            if (r.data?.photoStatusChanged.status === 'UPLOADED' && Number(nth) === announcement && !arrivals[Number(round)]?.has(i)) arrivals[Number(round)]?.set(i, Date.now());
          },
          error: (e) => console.error('subscription error', e),
          complete: () => undefined,
        },
      );
      // Connect in waves: a storm of 2,000 handshakes at once measures the kernel's backlog, not FindMe.
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 100));
    }

    const announce = async (round: number): Promise<number> => {
      const [created] = await services.photos.requestUploads(user, event.id, [{ filename: `round-${round}-${announcement + 1}.jpg`, contentType: 'image/jpeg', byteSize: 1000 }], 'bench');
      // requestUploads announced PENDING; the number that counts is the next one, as the worker would send it.
      await new Promise((r) => setTimeout(r, 300));
      arrivals[round] = new Map();
      announcement += 1;
      const at = Date.now();
      await bench.app.bus.publish('photo.status', { eventId: event.id, photoId: created!.photo.id, previousStatus: PhotoStatus.PENDING, status: PhotoStatus.UPLOADED, at: new Date(at).toISOString() });
      return at;
    };

    // Warm-up round 0: wait until every subscriber is registered and receiving.
    for (let attempt = 0; attempt < 30; attempt++) {
      await announce(0);
      await new Promise((r) => setTimeout(r, 1000));
      if (arrivals[0]!.size >= SUBSCRIBERS) break;
    }
    const connectedIn = (Date.now() - connectStarted) / 1000;
    if (arrivals[0]!.size < SUBSCRIBERS) throw new Error(`only ${arrivals[0]!.size} of ${SUBSCRIBERS} subscribers are receiving`);
    const rssAfter = await rssOf(server.pid);

    const latencies: number[] = [];
    let delivered = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const at = await announce(round);
      const deadline = Date.now() + 10_000;
      while (arrivals[round]!.size < SUBSCRIBERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      delivered += arrivals[round]!.size;
      latencies.push(...[...arrivals[round]!.values()].map((t) => t - at));
      await new Promise((r) => setTimeout(r, 500));
    }

    const baseline = await bareBroadcast(SUBSCRIBERS, ROUNDS);
    const perConnectionKb = (rssAfter - rssBefore) / SUBSCRIBERS / 1024;
    const p99 = percentile(latencies, 99);
    console.log(`bench/subscribers on ${machine()}`);
    console.log(`  ${SUBSCRIBERS} graphql-ws subscribers of photoStatusChanged on one event, ${ROUNDS} status events (connected and receiving in ${connectedIn.toFixed(1)} s)`);
    console.log(`  delivered ${delivered} of ${SUBSCRIBERS * ROUNDS}`);
    console.log(`  FindMe:   p50 ${percentile(latencies, 50)} ms, p99 ${p99} ms, max ${Math.max(...latencies)} ms (target p99 < 500 ms)`);
    console.log(`  baseline: bare ws broadcast of the same messages: p50 ${percentile(baseline, 50)} ms, p99 ${percentile(baseline, 99)} ms`);
    console.log(`  server memory: ${(rssBefore / 2 ** 20).toFixed(0)} MB → ${(rssAfter / 2 ** 20).toFixed(0)} MB, ${perConnectionKb.toFixed(1)} KB per connection`);
    console.log(`RESULT subscribers=${SUBSCRIBERS} p50_ms=${percentile(latencies, 50)} p99_ms=${p99} baseline_p99_ms=${percentile(baseline, 99)} kb_per_connection=${perConnectionKb.toFixed(1)} delivered=${delivered}/${SUBSCRIBERS * ROUNDS}`);
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await bench.app.bus.stop();
    await server.stop();
    await bench.close();
  }
}

/** The floor: a plain ws server sending one small JSON message per round to N plain sockets. */
async function bareBroadcast(n: number, rounds: number): Promise<number[]> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const sockets: WebSocket[] = [];
  const latencies: number[] = [];
  let sentAt = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}`);
      socket.on('message', () => latencies.push(Date.now() - sentAt));
      sockets.push(socket);
      await new Promise((r) => socket.once('open', r));
    }),
  );
  for (let round = 0; round < rounds; round++) {
    latencies.length = 0;
    sentAt = Date.now();
    const payload = JSON.stringify({ type: 'next', id: '1', payload: { data: { photoStatusChanged: { status: 'UPLOADED', photo: { id: 'x', originalFilename: 'round' } } } } });
    for (const client of wss.clients) client.send(payload);
    const deadline = Date.now() + 5000;
    while (latencies.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }
  const last = [...latencies];
  for (const s of sockets) s.terminate();
  await new Promise((r) => wss.close(r));
  return last;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
