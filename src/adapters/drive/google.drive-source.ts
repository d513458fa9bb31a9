import { Readable } from 'node:stream';
import { auth, drive, type drive_v3 } from '@googleapis/drive';
import type { DriveCredentials } from '../../config/config.js';
import { GOOGLE_TOKEN_URL } from '../../config/config.js';
import { DriveError, type DriveEntry, type DriveFolder, type DrivePage, type DriveSource } from '../../ports/drive.js';

const FOLDER = 'application/vnd.google-apps.folder';
const SCOPE = 'https://www.googleapis.com/auth/drive.readonly';
const ENTRY_FIELDS = 'id,name,mimeType,size,md5Checksum,sha256Checksum,modifiedTime,trashed';
/** Drive caps a page at 1,000 entries, and may return fewer: the next page token is always followed. */
const PAGE_SIZE = 1000;
/** Quick retries of Drive's own failures (5xx, no answer) inside one call; quota errors are the import's to back off. */
const RETRY = { retry: 2, statusCodesToRetry: [[500, 599]], httpMethodsToRetry: ['GET'], noResponseRetries: 2 };

/**
 * Google Drive through Google's client library, as one service account.
 * `apiRootUrl` and `tokenUrl` move the API and the OAuth token endpoint (a
 * proxy, or the tests' stand-in); the library itself always posts the signed
 * assertion to Google's token URL, so that one request is redirected here.
 */
export class GoogleDriveSource implements DriveSource {
  private readonly client: drive_v3.Drive;

  constructor(
    credentials: DriveCredentials,
    options: { apiRootUrl: string; tokenUrl: string; timeoutSeconds: number },
  ) {
    this.timeout = options.timeoutSeconds * 1000;
    this.serviceAccountEmail = credentials.clientEmail;
    const jwt = new auth.JWT({ email: credentials.clientEmail, key: credentials.privateKey, keyId: credentials.privateKeyId, scopes: [SCOPE] });
    if (options.tokenUrl !== GOOGLE_TOKEN_URL) {
      const tokenUrl = new URL(options.tokenUrl);
      jwt.transporter.interceptors.request.add({
        resolved: async (request) => {
          if (request.url.toString() === GOOGLE_TOKEN_URL) request.url = tokenUrl;
          return request;
        },
      });
    }
    this.client = drive({ version: 'v3', auth: jwt, rootUrl: options.apiRootUrl });
  }

  readonly serviceAccountEmail: string;
  /** Until the answer's headers (downloads then watch their own silence). */
  private readonly timeout: number;

  async folder(id: string): Promise<DriveFolder> {
    const res = await call(() => this.client.files.get({ fileId: id, fields: 'id,name,mimeType,trashed', supportsAllDrives: true }, { retryConfig: RETRY, timeout: this.timeout }));
    const file = res.data;
    if (file.mimeType !== FOLDER || file.trashed) throw new DriveError('not-found', `${id} is not a folder`);
    return { id: file.id ?? id, name: file.name ?? id };
  }

  async list(folderId: string, pageToken: string | null): Promise<DrivePage> {
    const res = await call(() =>
      this.client.files.list(
        {
          q: `'${folderId}' in parents and trashed = false`,
          fields: `nextPageToken,files(${ENTRY_FIELDS})`,
          pageSize: PAGE_SIZE,
          ...(pageToken ? { pageToken } : {}),
          supportsAllDrives: true,
          includeItemsFromAllDrives: true,
        },
        { retryConfig: RETRY, timeout: this.timeout },
      ),
    );
    return { entries: (res.data.files ?? []).map(toEntry), nextPageToken: res.data.nextPageToken ?? null };
  }

  async download(fileId: string): Promise<Readable> {
    // A time limit until the headers only: the body takes as long as it takes while bytes flow (the importer watches its silence).
    const headers = new AbortController();
    const timer = setTimeout(() => headers.abort(), this.timeout);
    try {
      const res = await call(() => this.client.files.get({ fileId, alt: 'media', supportsAllDrives: true }, { responseType: 'stream', retryConfig: RETRY, signal: headers.signal }));
      return res.data as unknown as Readable;
    } finally {
      clearTimeout(timer);
    }
  }
}

function toEntry(file: drive_v3.Schema$File): DriveEntry {
  const size = file.size ? Number(file.size) : NaN;
  return {
    id: file.id ?? '',
    name: file.name ?? '',
    mimeType: file.mimeType ?? 'application/octet-stream',
    size: Number.isFinite(size) ? size : null,
    md5Checksum: file.md5Checksum ?? null,
    sha256Checksum: file.sha256Checksum ?? null,
    modifiedTime: file.modifiedTime ? new Date(file.modifiedTime) : null,
    trashed: Boolean(file.trashed),
  };
}

/** Runs a call and turns the client's error (which carries the request, headers and all) into a DriveError that carries none of it. */
async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw await toDriveError(err);
  }
}

interface ClientError {
  status?: number;
  code?: string | number;
  message?: string;
  config?: { url?: URL | string };
  response?: { status?: number; data?: unknown; headers?: { get?(name: string): string | null } };
}

async function toDriveError(err: unknown): Promise<DriveError> {
  const e = (err ?? {}) as ClientError;
  const status = e.response?.status ?? e.status;
  const body = await readBody(e.response?.data);
  const tokenError = typeof body?.['error'] === 'string' ? (body['error'] as string) : null;
  if (tokenError) return new DriveError('credentials', `Google refused the service account's key (${tokenError}).`);
  const error = body?.['error'] as { message?: string; errors?: { reason?: string }[] } | undefined;
  const reason = error?.errors?.[0]?.reason ?? '';
  const message = error?.message ?? `HTTP ${status ?? e.code ?? 'error'}`;
  if (status === 401) return new DriveError('credentials', `Google refused the service account's credentials (${message}).`);
  if (status === 429 || (status === 403 && /rateLimitExceeded|userRateLimitExceeded|quotaExceeded/.test(reason))) {
    const retryAfter = Number(e.response?.headers?.get?.('retry-after'));
    return new DriveError('rate-limited', `Google Drive's quota: ${message}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
  }
  if (status === 404 || status === 403) return new DriveError('not-found', message);
  return new DriveError('unavailable', status ? `Google Drive answered ${status}: ${message}` : `Google Drive could not be reached (${String(e.code ?? 'network error')}).`);
}

/** The JSON body of an error answer, also when it arrives as a stream (downloads); null when there is none. */
async function readBody(data: unknown): Promise<Record<string, unknown> | null> {
  if (data instanceof Readable) {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of data) {
        chunks.push(Buffer.from(chunk as Buffer));
        size += (chunk as Buffer).length;
        if (size > 64 * 1024) break;
      }
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  if (typeof data === 'string') {
    try {
      return JSON.parse(data) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  return data && typeof data === 'object' ? (data as Record<string, unknown>) : null;
}
