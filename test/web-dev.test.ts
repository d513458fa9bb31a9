import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './support/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm run dev`: Vite serves the web app's sources with hot reload and hands
 * the API, its WebSocket and the file routes to a running `findme serve`.
 */
describe('the web app in development (npm run dev)', () => {
  let server: TestServer;
  let vite: ChildProcess;
  let origin = '';

  before(async () => {
    server = await startTestServer();
    vite = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--config', 'web/vite.config.ts', '--port', '0', '--host', '127.0.0.1'], {
      cwd: ROOT,
      env: { ...process.env, FINDME_API: server.baseUrl, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`vite did not start:\n${printed}`)), 30_000);
      const read = (chunk: Buffer) => {
        printed += chunk.toString();
        const url = /Local:\s+(http:\/\/[^\s/]+)/.exec(printed)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve(url);
        }
      };
      vite.stdout!.on('data', read);
      vite.stderr!.on('data', read);
      vite.on('exit', (code) => reject(new Error(`vite exited with ${code}:\n${printed}`)));
    });
  });
  after(async () => {
    vite?.kill();
    await server?.close();
  });

  it('should serve the app from its sources, with hot reload', async () => {
    const page = await (await fetch(`${origin}/e/SOME-CODE`, { headers: { accept: 'text/html' } })).text();
    assert.match(page, /\/@vite\/client/);
    assert.match(page, /src="\/src\/main\.tsx"/);
    const entry = await fetch(`${origin}/src/main.tsx`);
    assert.equal(entry.status, 200);
    assert.match(await entry.text(), /createRoot/);
  });

  it('should hand GraphQL over HTTP and over graphql-ws to findme serve', async () => {
    const res = await fetch(`${origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ privacyPolicy { version } }' }) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: { privacyPolicy: { version: string } } };
    assert.ok(body.data.privacyPolicy.version.length > 0);

    const client = createClient({ url: `${origin.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const version = await new Promise<string>((resolve, reject) => {
        client.subscribe<{ privacyPolicy: { version: string } }>(
          { query: '{ privacyPolicy { version } }' },
          { next: (r) => resolve(r.data!.privacyPolicy.version), error: reject, complete: () => undefined },
        );
      });
      assert.equal(version, body.data.privacyPolicy.version);
    } finally {
      await client.dispose();
    }
  });
});
