import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError, FindMeApi, sendToTarget, type UploadTarget } from './api.js';
import { ProgressBar } from './progress.js';

const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.heic': 'image/heic', '.heif': 'image/heif' };
const HASH_CHUNK = 500;

export interface UploadOptions {
  folder: string;
  eventCode: string;
  concurrency: number;
  batchSize: number;
  watch: boolean;
  out?: NodeJS.WritableStream;
}

interface LocalFile {
  path: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
}

interface PhotoState {
  id: string;
  originalFilename: string;
  status: string;
  errorMessage: string | null;
}

/** What `findme upload` did, for its summary and exit code. */
export interface UploadSummary {
  uploaded: number;
  skipped: number;
  done: number;
  failed: PhotoState[];
}

/**
 * Uploads every image of a folder to an event through the public API
 * (presigned targets, several at once), skipping files the event already has
 * (by SHA-256), then follows processing live until each photo is DONE or FAILED.
 */
export async function uploadFolder(api: FindMeApi, options: UploadOptions): Promise<UploadSummary> {
  const out = options.out ?? process.stdout;
  const eventId = await findEvent(api, options.eventCode);
  const files = await scan(options.folder);
  if (files.length === 0 && !options.watch) throw new CliError(`No photos (JPEG, PNG, WebP, HEIC) in ${options.folder}.`);
  out.write(`${files.length} photo(s) in ${options.folder} for event ${options.eventCode.toUpperCase()}\n`);
  const ours = new Map<string, string>(); // photo id → file name
  const summary: UploadSummary = { uploaded: 0, skipped: 0, done: 0, failed: [] };
  await sendFiles(api, eventId, files, options, ours, summary, out);
  if (options.watch) await watchFolder(api, eventId, options, ours, summary, out);
  if (ours.size > 0) await followProcessing(api, eventId, ours, summary, out);
  return summary;
}

async function findEvent(api: FindMeApi, code: string): Promise<string> {
  const wanted = code.trim().toUpperCase();
  let after: string | null = null;
  for (;;) {
    const page: { myEvents: { edges: { node: { id: string; code: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await api.request(
      'query($after: String) { myEvents(first: 100, after: $after) { edges { node { id code } } pageInfo { hasNextPage endCursor } } }',
      { after },
    );
    const hit = page.myEvents.edges.find((e) => e.node.code === wanted);
    if (hit) return hit.node.id;
    if (!page.myEvents.pageInfo.hasNextPage) throw new CliError(`You have no event with the code ${wanted}.`);
    after = page.myEvents.pageInfo.endCursor;
  }
}

/** Images under the folder (recursively, hidden files skipped), with their hashes. */
async function scan(folder: string): Promise<LocalFile[]> {
  let entries;
  try {
    entries = await readdir(folder, { recursive: true, withFileTypes: true });
  } catch (err) {
    throw new CliError(`Cannot read the folder ${folder}: ${(err as Error).message}.`);
  }
  const paths = entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && TYPES[path.extname(e.name).toLowerCase()])
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  const files: LocalFile[] = [];
  for (const p of paths) files.push(await describe(p));
  return files;
}

async function describe(file: string): Promise<LocalFile> {
  const bytes = await readFile(file);
  return {
    path: file,
    name: path.basename(file),
    size: bytes.length,
    contentType: TYPES[path.extname(file).toLowerCase()]!,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

async function sendFiles(api: FindMeApi, eventId: string, files: LocalFile[], options: UploadOptions, ours: Map<string, string>, summary: UploadSummary, out: NodeJS.WritableStream): Promise<void> {
  // Files the event already has (a previous run) are skipped; ones requested but never sent are sent again.
  const known = new Map<string, string>();
  for (let i = 0; i < files.length; i += HASH_CHUNK) {
    const { photosByHash } = await api.request<{ photosByHash: { sha256: string; status: string }[] }>(
      'query($e: ID!, $h: [String!]!) { photosByHash(eventId: $e, sha256: $h) { sha256 status } }',
      { e: eventId, h: files.slice(i, i + HASH_CHUNK).map((f) => f.sha256) },
    );
    for (const p of photosByHash) known.set(p.sha256, p.status);
  }
  const todo: LocalFile[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const status = known.get(f.sha256);
    if ((status && status !== 'PENDING') || seen.has(f.sha256)) summary.skipped += 1;
    else todo.push(f);
    seen.add(f.sha256);
  }
  if (summary.skipped > 0) out.write(`${summary.skipped} already in the event (same content): skipped\n`);
  if (todo.length === 0) return;

  const bar = new ProgressBar('Uploading ', todo.length);
  let sentBytes = 0;
  let sent = 0;
  bar.update(0);
  for (let i = 0; i < todo.length; i += options.batchSize) {
    const batch = todo.slice(i, i + options.batchSize);
    const targets = await requestTargets(api, eventId, batch, summary);
    const completed: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, targets.length) }, async () => {
        while (next < targets.length) {
          const { file, photoId, upload } = targets[next++]!;
          await sendToTarget(upload, await readFile(file.path), file.contentType);
          completed.push(photoId);
          ours.set(photoId, file.name);
          sentBytes += file.size;
          sent += 1;
          bar.update(sent, { bytes: sentBytes });
        }
      }),
    );
    if (completed.length > 0) {
      await api.request('mutation($ids: [ID!]!) { completePhotoUploads(photoIds: $ids) { id } }', { ids: completed });
      summary.uploaded += completed.length;
    }
  }
}

/** Upload targets for a batch; a file another run added meanwhile (CONFLICT) is skipped. */
async function requestTargets(api: FindMeApi, eventId: string, batch: LocalFile[], summary: UploadSummary): Promise<{ file: LocalFile; photoId: string; upload: UploadTarget }[]> {
  let files = [...batch];
  for (;;) {
    if (files.length === 0) return [];
    try {
      const { requestPhotoUploads } = await api.request<{ requestPhotoUploads: { photo: { id: string }; upload: UploadTarget }[] }>(
        `mutation($e: ID!, $f: [UploadFileInput!]!) {
          requestPhotoUploads(eventId: $e, files: $f) { photo { id } upload { url method headers { key value } fields { key value } } }
        }`,
        { e: eventId, f: files.map((f) => ({ filename: f.name, contentType: f.contentType, byteSize: f.size, sha256: f.sha256 })) },
      );
      return requestPhotoUploads.map((t, i) => ({ file: files[i]!, photoId: t.photo.id, upload: t.upload }));
    } catch (err) {
      const field = err instanceof CliError && err.code === 'CONFLICT' ? /^files\[(\d+)\]/.exec(String(err.details['field'] ?? '')) : null;
      if (!field) throw err;
      summary.skipped += 1;
      files = files.filter((_, i) => i !== Number(field[1]));
    }
  }
}

/** How long a file's size and time must hold still before it is sent (a card reader or a USB camera still writing). */
const STABLE_MS = 1000;
/** How often the folder's new files are looked at. */
const PASS_MS = 200;

/** A new file of the folder, until it is sent. */
interface Candidate {
  /** The last thing the file system said of it: created or moved in ('rename'), or written ('change'). */
  lastEvent: 'rename' | 'change';
  eventAt: number;
  size: number;
  mtimeMs: number;
  /** Since when size and time have not moved. */
  stableSince: number;
}

/**
 * Keeps uploading files that appear in the folder (tethered shooting) until
 * SIGINT/SIGTERM. Every waiting file is looked at on each pass, all at once: a
 * file moved into the folder complete (as tethering software does, writing
 * elsewhere then renaming) goes at the next pass; one still being written goes
 * once its size has held for a second. A burst of files settles together.
 */
async function watchFolder(api: FindMeApi, eventId: string, options: UploadOptions, ours: Map<string, string>, summary: UploadSummary, out: NodeJS.WritableStream): Promise<void> {
  out.write(`Watching ${options.folder} for new photos (Ctrl-C to stop)…\n`);
  const pending = new Map<string, Candidate>();
  const handled = new Set((await scan(options.folder)).map((f) => f.path));
  const watcher = watch(options.folder, { recursive: true }, (event, name) => {
    if (!name) return;
    const full = path.join(options.folder, name.toString());
    if (handled.has(full) || !TYPES[path.extname(full).toLowerCase()] || path.basename(full).startsWith('.')) return;
    const known = pending.get(full);
    const lastEvent = event === 'change' ? 'change' : 'rename';
    if (known) Object.assign(known, { lastEvent: known.lastEvent === 'change' ? 'change' : lastEvent, eventAt: Date.now() });
    else pending.set(full, { lastEvent, eventAt: Date.now(), size: -1, mtimeMs: -1, stableSince: Date.now() });
  });
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopping) {
      await new Promise((r) => setTimeout(r, PASS_MS));
      const now = Date.now();
      const looked = await Promise.all([...pending].map(async ([file, c]) => ({ file, ready: await settled(file, c, now) })));
      const ready = looked.filter((l) => l.ready === true).map((l) => l.file);
      for (const gone of looked.filter((l) => l.ready === null)) pending.delete(gone.file);
      if (ready.length === 0) continue;
      for (const f of ready) {
        pending.delete(f);
        handled.add(f);
      }
      const files = await Promise.all(ready.map(describe));
      out.write(`New: ${files.map((f) => f.name).join(', ')}\n`);
      await sendFiles(api, eventId, files, options, ours, summary, out);
    }
  } finally {
    watcher.close();
  }
  out.write('Stopped watching.\n');
}

/** Whether a new file is complete: true to send it, false to look again, null when it is gone. */
async function settled(file: string, c: Candidate, now: number): Promise<boolean | null> {
  let info;
  try {
    info = await stat(file);
  } catch {
    return null;
  }
  if (info.size !== c.size || info.mtimeMs !== c.mtimeMs) {
    Object.assign(c, { size: info.size, mtimeMs: info.mtimeMs, stableSince: now });
    return false;
  }
  if (info.size === 0) return false;
  // Moved in whole: only ever renamed, last modified before it arrived (a rename keeps the time of the last
  // write; a file being written here is newer than its own creation), and unchanged over a pass.
  if (c.lastEvent === 'rename' && info.mtimeMs < c.eventAt && now - c.stableSince >= PASS_MS) return true;
  return now - c.stableSince >= STABLE_MS;
}

/** Follows eventProgress until none of our photos is waiting or processing, then reads their outcome. */
async function followProcessing(api: FindMeApi, eventId: string, ours: Map<string, string>, summary: UploadSummary, out: NodeJS.WritableStream): Promise<void> {
  const bar = new ProgressBar('Processing', ours.size);
  // Our photos' states, 25 per request (aliases are limited per document).
  const states = async () => {
    const ids = [...ours.keys()];
    const photos: PhotoState[] = [];
    for (let i = 0; i < ids.length; i += 25) {
      const part = ids.slice(i, i + 25);
      const data = await api.request<Record<string, PhotoState | null>>(`{ ${part.map((id, j) => `p${j}: photo(id: "${id}") { id originalFilename status errorMessage }`).join(' ')} }`);
      photos.push(...Object.values(data).filter((p): p is PhotoState => p !== null));
    }
    return photos;
  };
  const finished = (photos: PhotoState[]) => photos.filter((p) => p.status === 'DONE' || p.status === 'FAILED');
  const client = api.live();
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let checking = false;
      let again = false;
      const check = async () => {
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        try {
          do {
            again = false;
            const photos = await states();
            const done = finished(photos);
            bar.update(done.length, { note: `${photos.filter((p) => p.status === 'FAILED').length} failed` });
            if (done.length >= ours.size) {
              summary.done = photos.filter((p) => p.status === 'DONE').length;
              summary.failed = photos.filter((p) => p.status === 'FAILED');
              resolve();
              return;
            }
          } while (again);
        } catch (err) {
          reject(err);
        } finally {
          checking = false;
        }
      };
      client.subscribe(
        { query: 'subscription($e: ID!) { eventProgress(eventId: $e) { total done failed } }', variables: { e: eventId } },
        { next: () => void check(), error: (e) => reject(new CliError(`Live progress failed: ${JSON.stringify(e)}`)), complete: () => undefined },
      );
      // The subscription emits at once; this covers a quiet socket too.
      timer = setInterval(() => void check(), 5000);
    });
  } finally {
    clearInterval(timer);
    await client.dispose();
  }
  out.write(`Done: ${summary.done}, failed: ${summary.failed.length}${summary.skipped ? `, skipped: ${summary.skipped}` : ''}\n`);
  for (const f of summary.failed) out.write(`  FAILED ${f.originalFilename}: ${f.errorMessage ?? 'no reason given'}\n`);
}
