import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ConnectDriveFolderDocument, DriveImportsDocument } from './generated/graphql.js';
import { DriveStandIn } from './support/drive-stand-in.js';
import { newEvent } from './support/flows.js';
import { plainHasher, startTestServer, type TestServer } from './support/harness.js';
import { generatedPhotos } from './support/images.js';
import { joinEnv } from './support/processes.js';

const bin = new URL('../../bin/findme.js', import.meta.url).pathname;
const ENV = { FACE_RECOGNIZER_PROVIDER: 'none', PHOTO_JOB_TIMEOUT_SECONDS: '5', QUEUE_MAINTENANCE_INTERVAL_SECONDS: '1', PHOTO_JOB_RETRY_DELAY_SECONDS: '1', DRIVE_POLL_SECONDS: '1' };

/**
 * A Drive import with two `findme worker` processes at once, both killed
 * (SIGKILL) in the middle of a download, then a new worker: every file is
 * imported once and downloaded to its end once.
 */
describe('Drive import across workers and restarts', () => {
  let drive: DriveStandIn;
  let server: TestServer;
  const workers: ChildProcess[] = [];

  before(async () => {
    drive = await DriveStandIn.start();
    server = await startTestServer({ hasher: plainHasher, env: { ...drive.env(), ...ENV, PHOTO_WORKER_ENABLED: 'false' } });
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await server?.close();
    await drive?.close();
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, [bin, 'worker'], {
      env: {
        ...joinEnv(server),
        LOG_LEVEL: 'warn',
        PHOTO_WORKER_CONCURRENCY: '2',
        ...ENV,
        ...drive.env(),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    workers.push(child);
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  it('should download each file to its end once and import it once, with two workers running and after both are killed mid-download', async () => {
    const { owner, eventId } = await newEvent(server, 'Drive restart');
    const root = drive.folder('Restart');
    const sub = drive.folder('Card 2', { parent: root });
    const photos = await generatedPhotos(12, 800);
    const files = photos.map((bytes, i) => drive.file(i < 8 ? root : sub, `R_${String(i).padStart(2, '0')}.JPG`, bytes));
    const stalled = drive.stall(files[5]!);

    const first = [startWorker(), startWorker()];
    const res = await server.gql(ConnectDriveFolderDocument, { eventId, folderUrl: root }, { token: owner });
    assert.ok(res.data, JSON.stringify(res.errors));
    await Promise.race([stalled.reached, new Promise((_, reject) => setTimeout(() => reject(new Error('the stalled download was never asked for')), 60_000))]);
    const before = await server.sql<{ n: number }>(`select count(*)::int as n from drive_files where outcome = 'IMPORTED' and drive_import_id = ?`, [res.data.connectDriveFolder.id]);
    assert.equal(before[0]!.n, 5, 'the files listed before the stalled one are in');
    await Promise.all(first.map(kill));
    stalled.release();

    startWorker();
    const deadline = Date.now() + 90_000;
    let last;
    for (;;) {
      last = (await server.gql(DriveImportsDocument, { eventId }, { token: owner })).data!.driveImports[0]!;
      if (last.filesImported === 12 && last.lastCheckedAt) break;
      if (Date.now() > deadline) throw new Error(`not all imported: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(last.filesSeen, 12);
    assert.equal(last.filesSkipped, 0);
    assert.deepEqual(
      files.map((id) => drive.downloads.get(id) ?? 0),
      files.map(() => 1),
      'each file downloaded to its end exactly once (the one cut by the kill was started again, not repeated)',
    );
    const rows = await server.sql<{ n: number; names: number; hashes: number }>(
      `select count(*)::int as n, count(distinct original_filename)::int as names, count(distinct content_sha256)::int as hashes from photos where event_id = ?`,
      [eventId],
    );
    assert.deepEqual(rows[0], { n: 12, names: 12, hashes: 12 }, 'one photo per file');
    const doneBy = Date.now() + 60_000;
    for (;;) {
      const [done] = await server.sql<{ n: number }>(`select count(*)::int as n from photos where event_id = ? and status = 'DONE'`, [eventId]);
      if (done!.n === 12) break;
      if (Date.now() > doneBy) throw new Error(`${done!.n} of 12 photos processed`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
});
