import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { Request, Response, Router } from 'express';
import express from 'express';
import cors from 'cors';
import type { Logger } from 'pino';
import type { Clock } from '../../ports/clock.js';
import type { UploadTargets } from '../../ports/upload-targets.js';
import { attachmentDisposition } from './content-disposition.js';
import {
  ObjectNotFoundError,
  type ObjectStore,
  type PresignedUpload,
  type StoredObject,
  type DownloadOptions,
  type UploadConstraints,
} from '../../ports/object-store.js';

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const ROUTE = '/storage';
/** Download URLs remembered at most; the memo starts afresh past it. */
const MAX_SIGNED = 50_000;
/** Renditions written once per key: a URL's answer never changes. */
const IMMUTABLE = /\/(display\.jpg|thumb\.webp)$/;

interface Meta {
  contentType: string;
  size: number;
}

class UploadTooLarge extends Error {}

/** Every target accepts (for tools that use the store without a database). */
const anyTarget: UploadTargets = { isAwaitingUpload: async () => true };

/**
 * Objects as files under DATA_DIR/objects, uploaded and downloaded through the
 * app itself with HMAC-signed, expiring URLs (the same shape as S3 presigned
 * URLs, so clients need not know which store runs).
 */
export class LocalObjectStore implements ObjectStore {
  readonly driver = 'local' as const;
  private readonly signingKey: Buffer;
  /** Download URLs signed lately (they are the same within a window). */
  private readonly signed = new Map<string, string>();
  /** The metadata of display copies and thumbnails read lately: it never changes under their key. */
  private readonly immutableMeta = new Map<string, Meta>();

  constructor(
    private readonly dir: string,
    /** Base URL clients reach this app at (known only after listening when PORT=0). */
    private readonly publicUrl: () => string,
    secretKey: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Asked before an upload is accepted: a link writes once, and only while its row waits for it. */
    private readonly targets: UploadTargets = anyTarget,
    /** Origins of web apps allowed to upload and fetch from another origin (CORS_ORIGINS); true: any (development). */
    private readonly corsOrigins: string[] | boolean = [],
  ) {
    // A key of its own, so a storage signature can never double as anything else.
    this.signingKey = createHmac('sha256', secretKey).update('findme/local-object-store/v1').digest();
  }

  async createUpload(key: string, c: UploadConstraints): Promise<PresignedUpload> {
    const expires = this.expiry(c.expiresInSeconds);
    const params = new URLSearchParams({ expires: String(expires), max: String(c.maxBytes), type: c.contentType });
    params.set('sig', this.sign(['PUT', key, String(expires), String(c.maxBytes), c.contentType]));
    return {
      url: `${c.baseUrl ?? this.publicUrl()}${ROUTE}/${key}?${params}`,
      method: 'PUT',
      headers: { 'Content-Type': c.contentType },
      fields: {},
      expiresAt: new Date(expires * 1000),
    };
  }

  async createDownloadUrl(key: string, options: DownloadOptions): Promise<string> {
    const expires = Math.floor(options.expiresAt.getTime() / 1000);
    const filename = options.filename ?? '';
    // The signature covers the object, not the address: the same link works from every address of this server.
    const base = options.baseUrl ?? this.publicUrl();
    const memoKey = `${key}\n${expires}\n${filename}`;
    const known = this.signed.get(memoKey);
    if (known) return `${base}${known}`;
    const params = new URLSearchParams({ expires: String(expires) });
    if (filename) params.set('filename', filename);
    params.set('sig', this.sign(['GET', key, String(expires), filename]));
    const path = `${ROUTE}/${key}?${params}`;
    // URLs repeat within a window: a gallery page signs each thumbnail once per window, not per request.
    if (this.signed.size >= MAX_SIGNED) this.signed.clear();
    this.signed.set(memoKey, path);
    return `${base}${path}`;
  }

  async head(key: string): Promise<StoredObject | null> {
    const file = await this.describe(key);
    return file ? { size: file.meta.size, contentType: file.meta.contentType } : null;
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async stream(key: string): Promise<Readable> {
    try {
      const handle = await open(this.file(key), 'r');
      return handle.createReadStream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    await writeFile(tmp, body);
    await this.commit(key, tmp, { contentType, size: body.length });
  }

  async putStream(key: string, body: Readable, options: { contentType: string; size: number }): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    try {
      await pipeline(body, createWriteStream(tmp));
      const { size } = await stat(tmp);
      if (size !== options.size) throw new Error(`stream of ${size} bytes for ${key}, ${options.size} announced`);
      await this.commit(key, tmp, { contentType: options.contentType, size });
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.immutableMeta.delete(key);
    await Promise.all(keys.flatMap((key) => [rm(this.file(key), { force: true }), rm(this.metaFile(key), { force: true })]));
  }

  async deletePrefix(prefix: string): Promise<void> {
    const dir = prefix.replace(/\/+$/, '');
    for (const key of this.immutableMeta.keys()) if (key.startsWith(`${dir}/`)) this.immutableMeta.delete(key);
    await rm(this.file(dir), { recursive: true, force: true });
  }

  /**
   * The routes that receive signed uploads and serve signed downloads. The
   * handlers' promises go to Express, whose error middleware answers anything
   * they throw: no request can take the process down.
   */
  routes(): Router[] {
    const router = express.Router();
    // A web app on another origin uploads with PUT and reads images with GET: preflight and headers for its origins only.
    const allow = cors({
      origin: this.corsOrigins,
      methods: ['GET', 'HEAD', 'PUT'],
      allowedHeaders: ['content-type', 'if-none-match'],
      exposedHeaders: ['etag', 'content-length', 'content-disposition'],
      maxAge: 600,
    });
    router.options(`${ROUTE}/*key`, allow);
    router.put(`${ROUTE}/*key`, allow, (req, res) => this.handleUpload(req, res));
    router.get(`${ROUTE}/*key`, allow, (req, res) => this.handleDownload(req, res));
    return [router];
  }

  private async handleUpload(req: Request, res: Response): Promise<void> {
    const key = routeKey(req);
    const q = query(req);
    const expires = Number(q['expires']);
    const max = Number(q['max']);
    const type = q['type'] ?? '';
    if (!key || !this.verify(['PUT', key, q['expires'] ?? '', q['max'] ?? '', type], q['sig']) || !this.fresh(expires)) {
      res.status(403).json({ error: 'SIGNATURE_INVALID', message: 'The upload link is invalid or has expired.' });
      return;
    }
    if (req.get('content-type') !== type) {
      res.status(403).json({ error: 'CONTENT_TYPE_MISMATCH', message: `This link accepts Content-Type ${type} only.` });
      return;
    }
    if (!(await this.targets.isAwaitingUpload(key))) {
      res.status(409).json({ error: 'ALREADY_UPLOADED', message: 'This upload link has already been used, or what it was for no longer exists. Ask for a new one.' });
      req.resume();
      return;
    }
    const declared = Number(req.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > max) {
      res.status(413).json({ error: 'TOO_LARGE', message: `The file is larger than the ${max} bytes this link accepts.` });
      req.resume();
      return;
    }
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    let size = 0;
    // Counts while streaming: a client that lies about Content-Length is cut off at the cap.
    const cap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > max) done(new UploadTooLarge());
        else done(null, chunk);
      },
    });
    try {
      await pipeline(req, cap, createWriteStream(tmp));
      if (!(await this.commitOnce(key, tmp, { contentType: type, size }))) {
        res.status(409).json({ error: 'ALREADY_UPLOADED', message: 'This upload link has already been used. Ask for a new one.' });
        return;
      }
      res.status(200).json({ key, size });
    } catch (err) {
      await rm(tmp, { force: true });
      if (err instanceof UploadTooLarge) {
        res.status(413).set('connection', 'close').json({ error: 'TOO_LARGE', message: `The file is larger than the ${max} bytes this link accepts.` });
      } else {
        this.logger.warn({ err, key }, 'local upload failed');
        if (!res.headersSent) res.status(400).json({ error: 'UPLOAD_FAILED', message: 'The upload did not complete.' });
      }
    }
  }

  private async handleDownload(req: Request, res: Response): Promise<void> {
    const key = routeKey(req);
    const q = query(req);
    const filename = q['filename'] ?? '';
    if (!key || !this.verify(['GET', key, q['expires'] ?? '', filename], q['sig']) || !this.fresh(Number(q['expires']))) {
      res.status(403).json({ error: 'SIGNATURE_INVALID', message: 'The link is invalid or has expired.' });
      return;
    }
    const file = await this.describe(key);
    if (!file) {
      res.status(404).json({ error: 'NOT_FOUND', message: 'No such file.' });
      return;
    }
    const { meta, etag } = file;
    // Cacheable until the link expires; display copies and thumbnails never change under their key.
    const maxAge = Math.max(0, Math.floor(Number(q['expires']) - this.clock.now().getTime() / 1000));
    const cacheControl = IMMUTABLE.test(key) ? `private, max-age=${maxAge}, immutable` : `private, max-age=${Math.min(300, maxAge)}`;
    if (req.get('if-none-match') === etag) {
      res.status(304).set({ etag, 'cache-control': cacheControl }).end();
      return;
    }
    res.status(200).set({
      'content-type': meta.contentType ?? 'application/octet-stream',
      'content-length': String(meta.size),
      'cache-control': cacheControl,
      etag,
      'x-content-type-options': 'nosniff',
      ...(filename ? { 'content-disposition': attachmentDisposition(filename) } : {}),
    });
    await pipeline(createReadStream(this.file(key)), res).catch((err: unknown) => this.logger.warn({ err, key }, 'download interrupted'));
  }

  /**
   * Links the upload into place only if nothing is there yet (two racing PUTs
   * with one link: the first wins); false when the object already exists.
   */
  private async commitOnce(key: string, tmp: string, meta: Meta): Promise<boolean> {
    try {
      await link(tmp, this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      // Linked or refused, the temporary name goes.
      await unlink(tmp).catch(() => undefined);
    }
    await writeFile(this.metaFile(key), JSON.stringify(meta));
    return true;
  }

  /** Type, size and an ETag (size and modification time) of a stored object; null when there is none. */
  private async describe(key: string): Promise<{ meta: Meta; etag: string } | null> {
    const meta = await this.readMeta(key);
    if (!meta) return null;
    try {
      const { size, mtimeMs } = await stat(this.file(key));
      return { meta: { contentType: meta.contentType, size }, etag: `"${size.toString(36)}-${Math.floor(mtimeMs).toString(36)}"` };
    } catch {
      return null;
    }
  }

  private async commit(key: string, tmp: string, meta: Meta): Promise<void> {
    // Meta first, then the atomic rename: a reader never sees bytes without a type.
    await writeFile(this.metaFile(key), JSON.stringify(meta));
    await rename(tmp, this.file(key));
  }

  private async readMeta(key: string): Promise<Meta | null> {
    const known = this.immutableMeta.get(key);
    if (known) return known;
    let meta: Meta;
    try {
      meta = JSON.parse(await readFile(this.metaFile(key), 'utf8')) as Meta;
    } catch {
      return null;
    }
    if (IMMUTABLE.test(key)) {
      // Whether the object still exists is asked of the file itself (stat) each time; only its type is kept.
      if (this.immutableMeta.size >= 10_000) this.immutableMeta.delete(this.immutableMeta.keys().next().value!);
      this.immutableMeta.set(key, meta);
    }
    return meta;
  }

  private file(key: string): string {
    if (!KEY.test(key) || key.split('/').includes('..')) throw new Error(`invalid object key: ${key}`);
    return path.join(this.dir, key);
  }

  private metaFile(key: string): string {
    return `${this.file(key)}.meta.json`;
  }

  private expiry(seconds: number): number {
    return Math.floor(this.clock.now().getTime() / 1000) + seconds;
  }

  private fresh(expires: number): boolean {
    return Number.isFinite(expires) && expires * 1000 > this.clock.now().getTime();
  }

  private sign(parts: string[]): string {
    return createHmac('sha256', this.signingKey).update(parts.join('\n')).digest('base64url');
  }

  private verify(parts: string[], signature: string | undefined): boolean {
    if (!signature) return false;
    const expected = Buffer.from(this.sign(parts));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function routeKey(req: Request): string | null {
  const raw = (req.params as Record<string, string | string[]>)['key'];
  const key = Array.isArray(raw) ? raw.join('/') : raw;
  return key && KEY.test(key) && !key.split('/').includes('..') ? key : null;
}

function query(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.query)) out[k] = typeof v === 'string' ? v : undefined;
  return out;
}
