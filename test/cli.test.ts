import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { LoginDocument, MeDocument } from './generated/graphql.js';
import { errorCode, startTestServer, uniqueEmail, type TestServer } from './support/harness.js';

const run = promisify(execFile);

/** Runs the CLI with `input` on its standard input (a password piped in). */
function runWithInput(args: string[], env: NodeJS.ProcessEnv, input: string): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, args, { env }, (err, stdout) => (err ? reject(err) : resolve({ stdout })));
    child.stdin!.end(input);
  });
}
const bin = new URL('../../bin/findme.js', import.meta.url).pathname;

describe('findme CLI', () => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    server = await startTestServer();
    env = { PATH: process.env['PATH'] ?? '', DATABASE_URL: server.databaseUrl, LOG_LEVEL: 'warn', DATA_DIR: '/tmp/findme-cli-test' };
  });
  after(() => server.close());

  it('should print help for every command', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['worker', '--help'], ['migrate', '--help'], ['admin', 'create', '--help'], ['schema', '--help'], ['faces', 'detect', '--help'], ['faces', 'compare', '--help'], ['login', '--help'], ['upload', '--help']]) {
      const { stdout } = await run(process.execPath, [bin, ...args], { env });
      assert.match(stdout, /Usage: findme/, args.join(' '));
    }
    // The photographer's CLI on its own: login and upload, nothing of the server.
    const client = new URL('../../bin/findme-client.js', import.meta.url).pathname;
    const { stdout } = await run(process.execPath, [client, '--help'], { env });
    assert.match(stdout, /Usage: findme-client/);
    assert.match(stdout, /login/);
    assert.match(stdout, /upload/);
    assert.doesNotMatch(stdout, /^\s+(serve|worker|migrate|admin)\b/m);
  });

  it('should run findme serve itself in the container, so the runtime\'s SIGTERM reaches the server (not npm)', async () => {
    const dockerfile = await readFile(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const cmd = [...dockerfile.matchAll(/^CMD (.+)$/gm)].at(-1)?.[1];
    assert.deepEqual(JSON.parse(cmd ?? 'null'), ['node', 'bin/findme.js', 'serve']);
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    assert.match(readme, /run\s+`node bin\/findme.js serve` directly, not `npm start`/);
  });

  it('should apply migrations idempotently with findme migrate', async () => {
    const { stdout } = await run(process.execPath, [bin, 'migrate'], { env });
    assert.match(stdout, /The database is up to date/);
  });

  it("should create an administrator who can log in, and take over an existing account: the operator's password, none of the registrant's sessions", async () => {
    const email = uniqueEmail('admin');
    const created = await runWithInput([bin, 'admin', 'create', email, '--password-stdin'], env, 'operator chosen pass\n');
    assert.match(created.stdout, /Created administrator/);
    const login = await server.gql(LoginDocument, { input: { email, password: 'operator chosen pass' } });
    assert.equal(login.data?.login.user.role, 'ADMIN');

    // Someone registered the operator's address first, and stays signed in.
    const existing = uniqueEmail('promote');
    const post = async (query: string, variables: Record<string, unknown>) =>
      (await (await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })).json()) as {
        data?: Record<string, any> | null;
        errors?: { extensions?: { code?: string } }[];
      };
    const squatter = (
      await post('mutation($i: RegisterInput!) { register(input: $i) { token refreshToken } }', {
        i: { email: existing, password: 'long enough password', displayName: 'P', role: 'PHOTOGRAPHER' },
      })
    ).data!['register'] as { token: string; refreshToken: string };
    const promoted = await run(process.execPath, [bin, 'admin', 'create', existing.toUpperCase()], { env });
    assert.match(promoted.stdout, /already registered: it is now an administrator with the new password, and every session of it was ended/);
    const password = /Password \(shown once\): (\S+)/.exec(promoted.stdout)?.[1];
    assert.ok(password, promoted.stdout);
    assert.equal(errorCode(await server.gql(LoginDocument, { input: { email: existing, password: 'long enough password' } })), 'UNAUTHENTICATED', "the registrant's password no longer works");
    assert.equal(errorCode(await server.gql(MeDocument, {}, { token: squatter.token })), 'UNAUTHENTICATED', "the registrant's session ended");
    const refreshed = await post('mutation($r: String!) { refreshSession(refreshToken: $r) { token } }', { r: squatter.refreshToken });
    assert.equal(refreshed.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', "the registrant's refresh token ended");
    const again = await server.gql(LoginDocument, { input: { email: existing, password } });
    assert.equal(again.data?.login.user.role, 'ADMIN');
  });

  it('should explain faces to support: detect prints boxes and scores, compare says whether two faces match', async () => {
    const fixtures = new URL('../../test/fixtures/faces/', import.meta.url);
    const group = new URL('groups/bbt1.jpg', fixtures).pathname;
    const detected = JSON.parse((await run(process.execPath, [bin, 'faces', 'detect', group], { env })).stdout) as {
      width: number;
      faces: { box: { left: number }; pixels: { height: number }; score: number }[];
    };
    assert.equal(detected.width, 1366);
    assert.equal(detected.faces.length, 4);
    for (const f of detected.faces) assert.ok(f.score > 0.5 && f.pixels.height > 100 && f.box.left >= 0 && f.box.left < 1);

    const same = JSON.parse(
      (await run(process.execPath, [bin, 'faces', 'compare', new URL('identities/penny/1.png', fixtures).pathname, new URL('identities/penny/2.png', fixtures).pathname], { env })).stdout,
    ) as { facesA: number; facesB: number; distance: number; similarity: number; same: boolean };
    assert.deepEqual([same.facesA, same.facesB, same.same], [1, 1, true]);
    assert.ok(same.distance < 0.55 && same.similarity > 50);
    const other = JSON.parse(
      (await run(process.execPath, [bin, 'faces', 'compare', new URL('identities/penny/1.png', fixtures).pathname, new URL('identities/sheldon/1.png', fixtures).pathname], { env })).stdout,
    ) as { same: boolean; similarity: number };
    assert.equal(other.same, false);
    assert.ok(other.similarity < 50);
    // Two photos of one person further apart than the selfie cutoff allows: a photo pair has a cutoff of its own (bench/compare-cutoff).
    const apart = JSON.parse(
      (await run(process.execPath, [bin, 'faces', 'compare', new URL('identities/leonard/3.png', fixtures).pathname, new URL('identities/leonard/4.png', fixtures).pathname], { env })).stdout,
    ) as { distance: number; same: boolean; threshold: number; thresholdKind: string; selfieThreshold: number };
    assert.ok(apart.distance > apart.selfieThreshold, `${apart.distance} lies beyond the selfie cutoff ${apart.selfieThreshold}`);
    assert.deepEqual([apart.same, apart.threshold, apart.thresholdKind], [true, 0.58, 'photo-to-photo']);
    // Two people stay two people.
    const close = JSON.parse(
      (await run(process.execPath, [bin, 'faces', 'compare', new URL('identities/howard/1.png', fixtures).pathname, new URL('identities/stuart/1.png', fixtures).pathname], { env })).stdout,
    ) as { same: boolean };
    assert.equal(close.same, false);
  });

  it('should exit non-zero with one clear line on a bad setting', async () => {
    await assert.rejects(run(process.execPath, [bin, 'migrate'], { env: { ...env, PORT: 'eighty' } }), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /^findme: Invalid configuration: PORT: /);
      return true;
    });
  });
});
