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
  open: (token: string) => Promise<{ filename: string; entries: ArchiveEntry[] } | null>;
  read: (key: string) => Promise<Readable>;
  logger: Logger;
  /** Web apps on other origins may fetch the ZIP (a link or a navigation needs no CORS). */
  corsOrigins: string[] | boolean;
}): Router {
  const router = express.Router();
  const allow = cors({ origin: deps.corsOrigins, methods: ['GET'], exposedHeaders: ['content-disposition', 'content-type'], maxAge: 600 });
  router.options('/archives/:token', allow);
  router.get('/archives/:token', allow, async (req, res) => {
    const archive = await deps.open(String(req.params['token']));
    if (!archive) {
      res.status(404).json({ error: 'NOT_FOUND', message: 'This download link is invalid or has expired. Ask for a new one.' });
      return;
    }
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
    for (const entry of archive.entries) {
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
    if (!aborted) await zip.finalize();
  });
  return router;
}
