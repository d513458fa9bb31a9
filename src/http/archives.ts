import { once } from 'node:events';
import type { Readable } from 'node:stream';
import archiver from 'archiver';
import cors from 'cors';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { attachmentDisposition } from '../adapters/storage/content-disposition.js';
import type { ArchiveEntry } from '../services/archive.service.js';

/**
 * GET /archives/<sealed link>: the ZIP, streamed. Files are read from the
 * object store one at a time and stored as they are (photos are compressed
 * already), so memory stays flat whatever the archive's size.
 */
export function archiveRoutes(deps: {
  open: (token: string) => Promise<{ filename: string; entries: AsyncIterable<ArchiveEntry>; userId: string } | null>;
  read: (key: string) => Promise<Readable>;
  logger: Logger;
  /** Web apps on other origins may fetch the ZIP (a link or a navigation needs no CORS). */
  corsOrigins: string[] | boolean;
  /** ZIPs streamed at once: by this server, and by one account. */
  concurrency: { perServer: number; perUser: number };
}): Router {
  const router = express.Router();
  const streaming = new Streams(deps.concurrency);
  const busy = (res: express.Response, message: string) =>
    void res.status(429).set('retry-after', '10').json({ error: 'RATE_LIMITED', message });
  const allow = cors({ origin: deps.corsOrigins, methods: ['GET'], exposedHeaders: ['content-disposition', 'content-type'], maxAge: 600 });
  router.options('/archives/:token', allow);
  router.get('/archives/:token', allow, async (req, res) => {
    if (streaming.full()) return busy(res, 'Many downloads are running on this server right now. Try again in a few seconds.');
    const release = streaming.take(null);
    let archive: Awaited<ReturnType<typeof deps.open>>;
    try {
      archive = await deps.open(String(req.params['token']));
    } finally {
      release();
    }
    if (!archive) {
      res.status(404).json({ error: 'NOT_FOUND', message: 'This download link is invalid or has expired. Ask for a new one.' });
      return;
    }
    if (streaming.full(archive.userId)) {
      deps.logger.info({ userId: archive.userId }, 'archive refused: too many downloads at once');
      return busy(res, 'Your other downloads are still running: wait for one to finish, then try again.');
    }
    res.on('close', streaming.take(archive.userId));
    res.status(200).set({
      'content-type': 'application/zip',
      'content-disposition': attachmentDisposition(archive.filename),
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    });
    const zip = archiver('zip', { store: true });
    let aborted = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        aborted = true;
        zip.abort();
      }
    });
    zip.on('warning', (err) => deps.logger.warn({ err }, 'archive warning'));
    zip.on('error', (err) => {
      deps.logger.warn({ err }, 'archive failed');
      res.destroy(err);
    });
    zip.pipe(res);
    try {
      for await (const entry of archive.entries) {
        if (aborted) return;
        let body: Readable;
        try {
          body = await deps.read(entry.key);
        } catch (err) {
          // A photo deleted since the link was made: the others still come.
          deps.logger.warn({ err, key: entry.key }, 'archive entry unreadable; skipped');
          continue;
        }
        const written = once(zip, 'entry');
        zip.append(body, { name: entry.name });
        await written;
      }
    } catch (err) {
      // The listing failed half-way (the database went away): the client sees a cut download, never a valid short ZIP.
      deps.logger.error({ err, userId: archive.userId }, 'archive listing failed; download cut');
      zip.abort();
      res.destroy(err as Error);
      return;
    }
    if (!aborted) await zip.finalize();
  });
  return router;
}

/** Counts the ZIPs being opened or streamed, in all and per account. */
class Streams {
  private total = 0;
  private readonly perUser = new Map<string, number>();

  constructor(private readonly limits: { perServer: number; perUser: number }) {}

  full(userId?: string): boolean {
    if (userId !== undefined) return (this.perUser.get(userId) ?? 0) >= this.limits.perUser || this.total >= this.limits.perServer;
    return this.total >= this.limits.perServer;
  }

  /** Counts one; the function returned uncounts it (once). */
  take(userId: string | null): () => void {
    this.total += 1;
    if (userId !== null) this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      if (userId === null) return;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    };
  }
}
