import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { RegisterDocument } from './generated/graphql.js';
import { newEvent } from './support/flows.js';
import { plainHasher, startTestServer, uniqueEmail, type TestServer } from './support/harness.js';
import { networkAddresses } from '../src/http/network-addresses.js';

/** A GraphQL POST with a Host header of our choosing (fetch does not let one set it). */
function post(server: TestServer, body: unknown, options: { host?: string; address?: string; token?: string; headers?: Record<string, string> } = {}): Promise<any> {
  const port = Number(new URL(server.baseUrl).port);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: options.address ?? '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        setHost: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          host: options.host ?? `${options.address ?? '127.0.0.1'}:${port}`,
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const UPLOAD = 'mutation($e: ID!) { requestPhotoUploads(eventId: $e, files: [{ filename: "a.jpg", contentType: "image/jpeg", byteSize: 100 }]) { upload { url } } }';

describe('reached by any address, with nothing configured', () => {
  let server: TestServer;
  let port: number;

  before(async () => {
    server = await startTestServer({ hasher: plainHasher, worker: true, listenHost: '0.0.0.0' });
    port = Number(new URL(server.baseUrl).port);
  });
  after(() => server.close());

  it('should hand each client URLs at the address it used: a phone at the network address, the laptop at localhost', async () => {
    const { owner, eventId } = await newEvent(server);
    const phone = await post(server, { query: UPLOAD, variables: { e: eventId } }, { address: '127.0.0.2', token: owner });
    assert.match(phone.data.requestPhotoUploads[0].upload.url, new RegExp(`^http://127\\.0\\.0\\.2:${port}/storage/`));
    const laptop = await post(server, { query: UPLOAD, variables: { e: eventId } }, { host: `localhost:${port}`, token: owner });
    assert.match(laptop.data.requestPhotoUploads[0].upload.url, new RegExp(`^http://localhost:${port}/storage/`));
    const zip = await post(server, { query: 'query($e: ID!) { eventArchive(eventId: $e) { url } }', variables: { e: eventId } }, { address: '127.0.0.2', token: owner });
    assert.match(zip.data.eventArchive.url, new RegExp(`^http://127\\.0\\.0\\.2:${port}/archives/`));
    // The URL really works from there.
    assert.equal((await fetch(zip.data.eventArchive.url)).status, 200);
  });

  it("should not let a Host header shape anything but that client's own URLs, nor anything malformed", async () => {
    const { owner, eventId } = await newEvent(server);
    // A malformed Host is no address: the URL names this machine's own (its network address, which phones reach).
    const own = server.app.linkBase();
    assert.ok(own === `http://localhost:${port}` || server.app.reachableAt().includes(own), own);
    for (const forged of ['evil.example/x', 'a b', 'evil.example:80@x', '']) {
      const res = await post(server, { query: UPLOAD, variables: { e: eventId } }, { host: forged, token: owner });
      assert.ok(res.data.requestPhotoUploads[0].upload.url.startsWith(`${own}/storage/`), `Host ${JSON.stringify(forged)} is ignored`);
    }
    // X-Forwarded-* counts only from a trusted proxy (none here).
    const proxied = await post(server, { query: UPLOAD, variables: { e: eventId } }, { token: owner, headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } });
    assert.match(proxied.data.requestPhotoUploads[0].upload.url, new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
    // A link mailed to someone is never made from a request's Host: it names this machine's network address, which phones reach.
    const email = uniqueEmail('mail');
    await server.gql(RegisterDocument, { input: { email, displayName: 'Ana', role: 'PARTICIPANT' } });
    await post(server, { query: 'mutation($e: String!) { requestSignInLink(email: $e) }', variables: { e: email } }, { host: 'evil.example' });
    await server.mailed();
    const text = server.mailer.lastTo(email)?.text ?? '';
    assert.ok(text.includes(`${own}/sign-in?token=`), `${own} in ${text}`);
    assert.doesNotMatch(text, /evil\.example/);
  });

  it("should tell photographers this machine's network addresses for their QR card", async () => {
    const { owner } = await newEvent(server);
    const res = await post(server, { query: '{ networkAddresses }' }, { token: owner });
    const addresses = res.data.networkAddresses as string[];
    assert.deepEqual(addresses, networkAddresses('0.0.0.0', port));
    for (const a of addresses) assert.match(a, new RegExp(`^http://\\d+\\.\\d+\\.\\d+\\.\\d+:${port}$`));
    assert.ok(!addresses.some((a) => a.includes('127.0.0.1')), 'loopback is no address for a phone');
  });

  it('should list only what other devices can use', () => {
    const interfaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: '127.0.0.1/8' }],
      wlan0: [
        { address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '02:00:00:00:00:01', cidr: '192.168.1.20/24' },
        { address: 'fe80::1', family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '02:00:00:00:00:01', cidr: 'fe80::1/64', scopeid: 3 },
      ],
    } as never;
    assert.deepEqual(networkAddresses('0.0.0.0', 4000, interfaces), ['http://192.168.1.20:4000']);
    assert.deepEqual(networkAddresses('127.0.0.1', 4000, interfaces), [], 'listening on loopback: no phone can reach it');
    assert.deepEqual(networkAddresses('192.168.1.20', 4000, interfaces), ['http://192.168.1.20:4000']);
  });
});

describe('reached by any address, with PUBLIC_URL set', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasher: plainHasher, listenHost: '0.0.0.0', env: { PUBLIC_URL: 'https://photos.example.org' } });
  });
  after(() => server.close());

  it('should name PUBLIC_URL in every URL whatever address the client used', async () => {
    const { owner, eventId } = await newEvent(server);
    const res = await post(server, { query: UPLOAD, variables: { e: eventId } }, { address: '127.0.0.2', token: owner });
    assert.match(res.data.requestPhotoUploads[0].upload.url, /^https:\/\/photos\.example\.org\/storage\//);
    const addresses = await post(server, { query: '{ networkAddresses }' }, { token: owner });
    assert.deepEqual(addresses.data.networkAddresses, ['https://photos.example.org']);
  });
});
