import { createHash, createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the parts of Google the Drive import calls, so the
 * tests run offline against Google's own client library:
 * - the OAuth 2.0 token endpoint of service accounts (RFC 7523 JWT bearer
 *   grant): it verifies the RS256 signature of the assertion with the key
 *   pair's public key, and its claims (iss, scope, aud, iat, exp), before it
 *   grants a token;
 * - Drive v3 `files.get` (metadata and `alt=media`) and `files.list`
 *   (`'<id>' in parents and trashed = false`, paged), which answer only with
 *   a granted token.
 *
 * Shapes follow Google's documentation: the token response
 * (`access_token`, `expires_in`, `token_type`) and `invalid_grant` errors of
 * "Using OAuth 2.0 for Server to Server Applications"; the `File` and
 * `FileList` resources of the Drive v3 reference (int64 `size` as a string,
 * RFC 3339 `modifiedTime`); the error bodies of Drive's "Resolve errors"
 * guide (404 notFound, 401 authError, 403 userRateLimitExceeded, 429
 * rateLimitExceeded). As in Drive, a folder not shared with the service
 * account lists as empty and only fetching it answers 404, and a page may hold
 * fewer files than asked.
 */
export class DriveStandIn {
  private readonly server: Server;
  private readonly publicKey: KeyObject;
  private readonly items = new Map<string, Item>();
  private readonly tokens = new Set<string>();
  private readonly faults: { kind: Fault; under: string }[] = [];
  private readonly stalls = new Map<string, { reached: () => void; release: Promise<void>; go: () => void }>();
  private revoked = false;
  private readonly vanishing = new Set<string>();
  /** The most files one page holds, whatever the client asks (Drive may return fewer than pageSize). */
  pageLimit = 3;
  /** Downloads served to their last byte, by file id. */
  readonly downloads = new Map<string, number>();
  /** Tokens granted (one per verified assertion). */
  grants = 0;
  /** Every Drive API request, in order: its path and query, and the folders it concerns (the item named and those above it). */
  readonly requests: { path: string; within: string[] }[] = [];
  readonly key: ServiceAccountKey;

  private constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKey = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
    this.key = {
      type: 'service_account',
      project_id: 'findme-tests',
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: 'findme-import@findme-tests.iam.gserviceaccount.com',
      client_id: '100000000000000000001',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
    };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { error: { code: 500, message: String(err) } });
      });
    });
  }

  static async start(): Promise<DriveStandIn> {
    const standIn = new DriveStandIn();
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get rootUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  get tokenUrl(): string {
    return `${this.rootUrl}token`;
  }

  /** The settings that point FindMe here. */
  env(): Record<string, string> {
    return { GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify(this.key), GOOGLE_API_ROOT_URL: this.rootUrl, GOOGLE_TOKEN_URL: this.tokenUrl };
  }

  /** A folder (shared with the service account unless `shared: false`, or inside a shared one). */
  folder(name: string, options: { parent?: string; shared?: boolean } = {}): string {
    return this.add({ name, mimeType: 'application/vnd.google-apps.folder', parent: options.parent ?? null, shared: options.shared ?? options.parent === undefined });
  }

  /** A file with content. */
  file(parent: string, name: string, bytes: Buffer, mimeType = 'image/jpeg', modifiedTime = new Date('2026-06-20T14:03:11.000Z')): string {
    return this.add({ name, mimeType, parent, shared: false, bytes, modifiedTime });
  }

  /** An entry without content (a Google Doc, a shortcut). */
  googleApp(parent: string, name: string, mimeType: string): string {
    return this.add({ name, mimeType, parent, shared: false });
  }

  trash(id: string): void {
    this.items.get(id)!.trashed = true;
  }

  delete(id: string): void {
    this.items.delete(id);
  }

  /** The file is deleted in Drive just as its download is asked for (after it was listed). */
  vanishOnDownload(id: string): void {
    this.vanishing.add(id);
  }

  unshare(id: string): void {
    this.items.get(id)!.shared = false;
  }

  share(id: string): void {
    this.items.get(id)!.shared = true;
  }

  /** The key is deleted in the Cloud console: no new token, and tokens granted before stop working. */
  revokeKey(): void {
    this.revoked = true;
    this.tokens.clear();
  }

  /** The next `count` Drive API requests about `folder` or anything in it fail with a quota error. */
  failNext(count: number, kind: 'userRateLimitExceeded' | 'rateLimitExceeded', folder: string): void {
    for (let i = 0; i < count; i += 1) this.faults.push({ kind, under: folder });
  }

  /** Drive API requests about `folder` or anything in it, so far. */
  requestsAbout(folder: string): number {
    return this.requests.filter((r) => r.within.includes(folder)).length;
  }

  /** The next download of the file sends half its bytes and waits; `reached` resolves then, `release()` lets it finish. */
  stall(fileId: string): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let go!: () => void;
    const reachedPromise = new Promise<void>((r) => (reached = r));
    const release = new Promise<void>((r) => (go = r));
    this.stalls.set(fileId, { reached, release, go });
    return { reached: reachedPromise, release: go };
  }

  sha256(id: string): string {
    return createHash('sha256').update(this.items.get(id)!.bytes!).digest('hex');
  }

  async close(): Promise<void> {
    for (const s of this.stalls.values()) s.go();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private add(item: Omit<Item, 'id' | 'trashed' | 'modifiedTime'> & { modifiedTime?: Date }): string {
    const id = `1${randomBytes(16).toString('base64url').replace(/[-_]/g, 'x')}`;
    this.items.set(id, { ...item, id, trashed: false, modifiedTime: item.modifiedTime ?? new Date() });
    return id;
  }

  /** Whether the service account can see the item: it, or a folder above it, is shared with it. */
  private visible(item: Item | undefined): boolean {
    for (let at = item; at; at = at.parent ? this.items.get(at.parent) : undefined) if (at.shared) return true;
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.rootUrl);
    if (req.method === 'POST' && url.pathname === '/token') return this.token(await body(req), res);
    const named = /^\/drive\/v3\/files\/([^/]+)$/.exec(url.pathname)?.[1] ?? /^'([^']+)'/.exec(url.searchParams.get('q') ?? '')?.[1];
    const within: string[] = [];
    for (let at = named ? this.items.get(decodeURIComponent(named)) : undefined; at; at = at.parent ? this.items.get(at.parent) : undefined) within.push(at.id);
    this.requests.push({ path: `${url.pathname}${url.search}`, within });
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!auth || !this.tokens.has(auth)) {
      return send(res, 401, driveError(401, 'authError', 'Invalid Credentials', { location: 'Authorization', locationType: 'header' }));
    }
    const at = this.faults.findIndex((f) => within.includes(f.under));
    const fault = at >= 0 ? this.faults.splice(at, 1)[0]!.kind : undefined;
    if (fault === 'userRateLimitExceeded') return send(res, 403, driveError(403, 'userRateLimitExceeded', 'User Rate Limit Exceeded', {}, 'usageLimits'));
    if (fault === 'rateLimitExceeded') return send(res, 429, driveError(429, 'rateLimitExceeded', 'Rate Limit Exceeded', {}, 'usageLimits'));
    if (req.method === 'GET' && url.pathname === '/drive/v3/files') return this.list(url, res);
    const get = /^\/drive\/v3\/files\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && get) return this.get(decodeURIComponent(get[1]!), url, res);
    send(res, 404, driveError(404, 'notFound', 'Not Found'));
  }

  /** The JWT bearer grant: the assertion's signature and claims are checked before a token is granted. */
  private token(form: string, res: ServerResponse): void {
    const params = new URLSearchParams(form);
    if (params.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return send(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' });
    const [header, payload, signature] = (params.get('assertion') ?? '').split('.');
    if (!header || !payload || !signature) return send(res, 400, { error: 'invalid_request', error_description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.' });
    const signed = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.publicKey, Buffer.from(signature, 'base64url'));
    if (this.revoked || !signed) return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: string; scope?: string; aud?: string; iat?: number; exp?: number };
    const now = Math.floor(Date.now() / 1000);
    const fresh = typeof claims.iat === 'number' && typeof claims.exp === 'number' && claims.iat <= now + 60 && claims.exp > now && claims.exp - claims.iat <= 3600;
    if (head.alg !== 'RS256' || claims.iss !== this.key.client_email || claims.aud !== 'https://oauth2.googleapis.com/token' || !fresh) {
      return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.' });
    }
    if (!(claims.scope ?? '').split(' ').includes('https://www.googleapis.com/auth/drive.readonly')) {
      return send(res, 400, { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' });
    }
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    this.tokens.add(token);
    this.grants += 1;
    send(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }

  private list(url: URL, res: ServerResponse): void {
    const q = /^'([^']+)' in parents and trashed = false$/.exec(url.searchParams.get('q') ?? '');
    if (!q) return send(res, 400, driveError(400, 'invalid', 'Invalid Value', { location: 'q', locationType: 'parameter' }));
    const parent = this.items.get(q[1]!);
    const children = this.visible(parent) ? [...this.items.values()].filter((i) => i.parent === parent!.id && !i.trashed) : [];
    const pageSize = Math.min(Number(url.searchParams.get('pageSize') ?? 100), this.pageLimit);
    const offset = url.searchParams.get('pageToken') ? Number(Buffer.from(url.searchParams.get('pageToken')!, 'base64url').toString()) : 0;
    const page = children.slice(offset, offset + pageSize);
    const next = offset + pageSize < children.length ? Buffer.from(String(offset + pageSize)).toString('base64url') : undefined;
    const listed = { kind: 'drive#fileList', incompleteSearch: false, files: page.map((i) => resource(i)), ...(next ? { nextPageToken: next } : {}) };
    send(res, 200, pick(listed, url.searchParams.get('fields')));
  }

  private async get(id: string, url: URL, res: ServerResponse): Promise<void> {
    if (url.searchParams.get('alt') === 'media' && this.vanishing.delete(id)) this.items.delete(id);
    const item = this.items.get(id);
    if (!item || !this.visible(item)) return send(res, 404, driveError(404, 'notFound', `File not found: ${id}.`, { location: 'fileId', locationType: 'parameter' }));
    if (url.searchParams.get('alt') !== 'media') return send(res, 200, pick(resource(item), url.searchParams.get('fields')));
    if (!item.bytes) return send(res, 403, driveError(403, 'fileNotDownloadable', 'Only files with binary content can be downloaded. Use Export with Docs Editors files.'));
    res.writeHead(200, { 'content-type': item.mimeType, 'content-length': String(item.bytes.length) });
    const stall = this.stalls.get(id);
    if (stall) {
      this.stalls.delete(id);
      const half = Math.floor(item.bytes.length / 2);
      res.write(item.bytes.subarray(0, half));
      stall.reached();
      await stall.release;
      if (res.destroyed) return;
      res.end(item.bytes.subarray(half));
    } else {
      res.end(item.bytes);
    }
    res.on('finish', () => this.downloads.set(id, (this.downloads.get(id) ?? 0) + 1));
  }
}

export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
}

interface Item {
  id: string;
  name: string;
  mimeType: string;
  parent: string | null;
  shared: boolean;
  trashed: boolean;
  bytes?: Buffer;
  modifiedTime: Date;
}

type Fault = 'userRateLimitExceeded' | 'rateLimitExceeded';

/** A File resource as Drive v3 returns it. */
function resource(item: Item): Record<string, unknown> {
  return {
    kind: 'drive#file',
    id: item.id,
    name: item.name,
    mimeType: item.mimeType,
    trashed: item.trashed,
    modifiedTime: item.modifiedTime.toISOString(),
    ...(item.bytes
      ? {
          size: String(item.bytes.length),
          md5Checksum: createHash('md5').update(item.bytes).digest('hex'),
          sha256Checksum: createHash('sha256').update(item.bytes).digest('hex'),
        }
      : {}),
  };
}

/** The `fields` partial response: `nextPageToken,files(id,name)` keeps those fields only (none given: everything). */
function pick(value: Record<string, unknown>, fields: string | null): Record<string, unknown> {
  if (!fields) return value;
  const out: Record<string, unknown> = {};
  for (const [, name, inner] of fields.matchAll(/(\w+)(?:\(([^)]*)\))?/g)) {
    if (!(name! in value)) continue;
    const v = value[name!];
    out[name!] = inner && Array.isArray(v) ? v.map((x: Record<string, unknown>) => pick(x, inner)) : v;
  }
  return out;
}

function driveError(code: number, reason: string, message: string, where: { location?: string; locationType?: string } = {}, domain = 'global'): unknown {
  return { error: { code, message, errors: [{ message, domain, reason, ...where }] } };
}

function send(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(json));
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
