import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { AwsSsmParameterSource } from '../src/config/ssm.js';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'findme-config-'));
}

describe('config', () => {
  it('should layer defaults < .env < environment < SSM', async () => {
    const dir = await tempDir();
    const envFile = path.join(dir, '.env');
    await writeFile(envFile, 'PORT=5000\nLOG_LEVEL=debug\nJWT_TTL_SECONDS=600\nMAIL_FROM=file@example.test\n');
    const ssm = mockClient(SSMClient);
    ssm.on(GetParametersByPathCommand, { Path: '/findme/prod', NextToken: undefined }).resolves({
      Parameters: [{ Name: '/findme/prod/JWT_TTL_SECONDS', Value: '120' }],
      NextToken: 'page-2',
    });
    ssm.on(GetParametersByPathCommand, { Path: '/findme/prod', NextToken: 'page-2' }).resolves({
      Parameters: [
        { Name: '/findme/prod/secret_key', Value: 's'.repeat(40) },
        { Name: '/findme/prod/NOT_A_SETTING', Value: 'ignored' },
      ],
    });
    const config = await loadConfig({
      envFile,
      env: { LOG_LEVEL: 'warn', JWT_TTL_SECONDS: '900', APP_CONFIG_PREFIX: '/findme/prod', AWS_REGION: 'eu-west-3', DATA_DIR: dir },
      ssm: () => new AwsSsmParameterSource(new SSMClient({ region: 'eu-west-3' })),
    });
    assert.equal(config.http.port, 5000, '.env beats the default');
    assert.equal(config.logLevel, 'warn', 'environment beats .env');
    assert.equal(config.auth.jwtTtlSeconds, 120, 'SSM beats the environment');
    assert.equal(config.auth.secretKey, 's'.repeat(40), 'nested and lower-case SSM names map to settings');
    assert.equal(config.mail.from, 'file@example.test');
    assert.equal(config.http.host, '0.0.0.0', 'untouched values keep their defaults');
    assert.deepEqual(config.sources, ['defaults', '.env', 'environment', 'ssm:/findme/prod']);
    const calls = ssm.commandCalls(GetParametersByPathCommand);
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.args[0].input.WithDecryption, true);
    assert.equal(calls[0]!.args[0].input.Recursive, true);
    ssm.restore();
  });

  it('should not call SSM without APP_CONFIG_PREFIX', async () => {
    let called = false;
    await loadConfig({
      envFile: '/nonexistent',
      env: { DATA_DIR: await tempDir() },
      ssm: () => {
        called = true;
        return { load: async () => ({}) };
      },
    });
    assert.equal(called, false);
  });

  it('should name the bad variable in the error', async () => {
    const dir = await tempDir();
    for (const [name, value] of [
      ['PORT', 'eighty'],
      ['DATABASE_URL', 'mysql://x'],
      ['LOG_LEVEL', 'loud'],
      ['PHOTO_WORKER_ENABLED', 'maybe'],
    ] as const) {
      await assert.rejects(
        loadConfig({ envFile: '/nonexistent', env: { DATA_DIR: dir, [name]: value } }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(name),
        name,
      );
    }
  });

  it('should require SECRET_KEY in production', async () => {
    await assert.rejects(
      loadConfig({ envFile: '/nonexistent', env: { NODE_ENV: 'production', DATA_DIR: await tempDir() } }),
      /SECRET_KEY: is required/,
    );
  });

  it('should require PUBLIC_URL in production when mail goes out, so no mailed link names a guessed address', async () => {
    await assert.rejects(
      loadConfig({ envFile: '/nonexistent', env: { NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(64), SMTP_URL: 'smtp://mail.example.org', DATA_DIR: await tempDir() } }),
      /PUBLIC_URL: is required/,
    );
    const config = await loadConfig({
      envFile: '/nonexistent',
      env: { NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(64), SMTP_URL: 'smtp://mail.example.org', PUBLIC_URL: 'https://photos.example.org/', DATA_DIR: await tempDir() },
    });
    assert.equal(config.http.publicUrl, 'https://photos.example.org');
  });

  it('should read a Google service account key from a file or inline, and refuse a bad one with a sentence that quotes no key', async () => {
    const dir = await tempDir();
    const key = { type: 'service_account', client_email: 'importer@proj.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nSECRETMATERIAL\n-----END PRIVATE KEY-----\n', private_key_id: 'abc123' };
    const file = path.join(dir, 'key.json');
    await writeFile(file, JSON.stringify(key));
    const off = await loadConfig({ envFile: '/nonexistent', env: { DATA_DIR: dir } });
    assert.equal(off.drive.credentials, undefined, 'no key, no Drive import');
    assert.equal(off.drive.tokenUrl, 'https://oauth2.googleapis.com/token');
    assert.equal(off.drive.pollSeconds, 60);
    for (const value of [file, JSON.stringify(key)]) {
      const config = await loadConfig({ envFile: '/nonexistent', env: { DATA_DIR: dir, GOOGLE_SERVICE_ACCOUNT_JSON: value, GOOGLE_API_ROOT_URL: 'http://127.0.0.1:9/', DRIVE_POLL_SECONDS: '15' } });
      assert.deepEqual(config.drive.credentials, { clientEmail: key.client_email, privateKey: key.private_key, privateKeyId: 'abc123' });
      assert.equal(config.drive.apiRootUrl, 'http://127.0.0.1:9/');
      assert.equal(config.drive.pollSeconds, 15);
    }
    const cases: [string, RegExp][] = [
      [path.join(dir, 'missing.json'), /GOOGLE_SERVICE_ACCOUNT_JSON: cannot read the key file .*missing\.json \(ENOENT\)/],
      ['{not json', /GOOGLE_SERVICE_ACCOUNT_JSON: is not valid JSON/],
      [JSON.stringify({ ...key, private_key: 'SECRETMATERIAL' }), /GOOGLE_SERVICE_ACCOUNT_JSON: not a service account key \(missing or wrong: private_key\)/],
    ];
    for (const [value, message] of cases) {
      await assert.rejects(loadConfig({ envFile: '/nonexistent', env: { DATA_DIR: dir, GOOGLE_SERVICE_ACCOUNT_JSON: value } }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, message);
        assert.ok(!err.message.includes('SECRETMATERIAL'), 'the key is never quoted');
        return true;
      });
    }
    await assert.rejects(loadConfig({ envFile: '/nonexistent', env: { DATA_DIR: dir, DRIVE_POLL_SECONDS: '3600' } }), /DRIVE_POLL_SECONDS/);
  });

  it('should generate a secret key once, keep it under DATA_DIR with 0600, and reuse it', async () => {
    const dir = await tempDir();
    const first = await loadConfig({ envFile: '/nonexistent', env: { DATA_DIR: dir } });
    const second = await loadConfig({ envFile: '/nonexistent', env: { DATA_DIR: dir } });
    assert.ok(first.auth.secretKey.length >= 32);
    assert.equal(second.auth.secretKey, first.auth.secretKey);
    const file = path.join(dir, 'secret-key');
    assert.equal((await readFile(file, 'utf8')).trim(), first.auth.secretKey);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('should read no process.env when given an explicit environment', async () => {
    process.env['PORT'] = '6553';
    try {
      const config = await loadConfig({ envFile: '/nonexistent', env: { DATA_DIR: await tempDir() } });
      assert.equal(config.http.port, 4000);
    } finally {
      delete process.env['PORT'];
    }
  });
});
