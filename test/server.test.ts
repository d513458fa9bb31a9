import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { print } from 'graphql';
import { HeartbeatDocument, LoginDocument, MeDocument, MyEventsDocument, RegisterDocument } from './generated/graphql.js';
import { errorCode, plainHasher, startTestServer, uniqueEmail } from './support/harness.js';

const bin = new URL('../../bin/findme.js', import.meta.url).pathname;

describe('server', () => {
  it('should answer /healthz 503 until migrations are applied, then 200', async () => {
    const server = await startTestServer({ skipMigrations: true });
    try {
      const before = await fetch(`${server.baseUrl}/healthz`);
      assert.equal(before.status, 503);
      await server.app.prepare();
      const afterPrepare = await fetch(`${server.baseUrl}/healthz`);
      assert.equal(afterPrepare.status, 200);
      assert.deepEqual(await afterPrepare.json(), { status: 'ok' });
    } finally {
      await server.close();
    }
  });

  it('should echo or assign a request id on every response', async () => {
    const server = await startTestServer({ hasher: plainHasher });
    try {
      const given = await server.gql(MeDocument, {}, { headers: { 'x-request-id': 'abc-123' } });
      assert.equal(given.headers.get('x-request-id'), 'abc-123');
      const assigned = await server.gql(MeDocument, {});
      assert.match(assigned.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    } finally {
      await server.close();
    }
  });

  it('should mask unexpected errors in production on HTTP and graphql-ws, keeping domain errors', async () => {
    const server = await startTestServer({ hasher: plainHasher, env: { NODE_ENV: 'production' } });
    try {
      const email = uniqueEmail('prod');
      const reg = await server.gql(RegisterDocument, { input: { email, password: 'long enough password', displayName: 'P', role: 'PARTICIPANT' } });
      const token = reg.data!.register.token;
      const wrong = await server.gql(LoginDocument, { input: { email, password: 'wrong password!' } });
      assert.equal(wrong.errors?.[0]?.message, 'Wrong email or password.', 'domain errors keep their message');

      const typo = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ mee { id } }' }),
      });
      const typoBody = JSON.stringify(await typo.json());
      assert.ok(!typoBody.includes('Did you mean'), 'no schema suggestions in production');
      const introspection = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
      });
      assert.equal(introspection.status, 400, 'introspection is off in production by default');

      const ws = server.ws({ authorization: `Bearer ${token}` });
      await new Promise<void>((resolve, reject) => {
        const dispose = ws.subscribe({ query: print(HeartbeatDocument) }, { next: () => (dispose(), resolve()), error: reject, complete: () => undefined });
      });

      // Break the database underneath: a request that reads events now fails inside SQL.
      await server.sql('alter table users rename to users_gone');
      await server.sql('alter table events rename to events_gone');
      const broken = await server.gql(MyEventsDocument, {}, { token });
      assert.equal(errorCode(broken), 'INTERNAL_SERVER_ERROR');
      const text = JSON.stringify(broken);
      assert.equal(broken.errors?.[0]?.message, 'Internal server error.');
      for (const leak of ['users', 'select', 'relation', 'stacktrace', '/work/', '.js']) {
        assert.ok(!text.includes(leak), `response leaks "${leak}": ${text}`);
      }
      // The socket was authenticated when it connected; an operation that needs the broken table fails, masked.
      const overWs = await new Promise<{ errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>((resolve, reject) => {
        let result = {};
        ws.subscribe({ query: '{ myEvents { totalCount } }' }, { next: (r) => (result = r), error: reject, complete: () => resolve(result) });
      });
      const wsText = JSON.stringify(overWs);
      assert.equal(overWs.errors?.[0]?.message, 'Internal server error.');
      assert.equal(overWs.errors?.[0]?.extensions?.['code'], 'INTERNAL_SERVER_ERROR');
      for (const leak of ['events', 'select', 'relation', 'stacktrace', '/work/', '.js']) {
        assert.ok(!wsText.includes(leak), `graphql-ws answer leaks "${leak}": ${wsText}`);
      }
      await server.sql('alter table events_gone rename to events');
      await server.sql('alter table users_gone rename to users');
    } finally {
      await server.close();
    }
  });

  describe('findme serve (real process, embedded PostgreSQL)', () => {
    let dataDir: string;
    after(async () => {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    async function startServe(): Promise<{ child: ChildProcessWithoutNullStreams; url: string; startupMs: number; logs: string[] }> {
      const started = Date.now();
      const child = spawn(process.execPath, [bin, 'serve'], {
        env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      });
      const logs: string[] = [];
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line in 60 s:\n${logs.join('\n')}`)), 60_000);
        createInterface({ input: child.stdout }).on('line', (line) => {
          logs.push(line);
          const match = /"url":"(http:[^"]+)"/.exec(line);
          if (match && line.includes('listening')) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${logs.join('\n')}`)));
      });
      return { child, url, startupMs: Date.now() - started, logs };
    }

    async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return exited;
    }

    it('should start with nothing configured, keep data and sessions across a restart, and stop cleanly on SIGTERM', async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'findme-serve-'));
      await chmod(dataDir, 0o755);
      const first = await startServe();
      process.stdout.write(`# cold start (initdb + migrations): ${first.startupMs} ms\n`);
      assert.equal((await fetch(first.url.replace('/graphql', '/healthz'))).status, 200);
      const email = uniqueEmail('restart');
      const register = await fetch(first.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: print(RegisterDocument), variables: { input: { email, password: 'long enough password', displayName: 'R', role: 'PHOTOGRAPHER' } } }),
      });
      const token = ((await register.json()) as { data: { register: { token: string } } }).data.register.token;
      assert.equal(await stop(first.child), 0);
      assert.ok(first.logs.some((l) => l.includes('"msg":"stopped"')));
      assert.ok(!existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), 'PostgreSQL stopped with the server');

      const second = await startServe();
      process.stdout.write(`# warm start: ${second.startupMs} ms\n`);
      const me = await fetch(second.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: print(MeDocument) }),
      });
      const body = (await me.json()) as { data: { me: { email: string } | null } };
      assert.equal(body.data.me?.email, email, 'the account and the generated secret key survived the restart');
      assert.equal(await stop(second.child), 0);
      assert.ok(!existsSync(path.join(dataDir, 'pg', 'postmaster.pid')));
      const all = [...first.logs, ...second.logs].join('\n');
      assert.ok(!all.includes('long enough password'), 'no password in the logs');
      assert.ok(!all.includes(token), 'no token in the logs');
    });
  });
});
