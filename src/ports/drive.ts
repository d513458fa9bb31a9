import type { Readable } from 'node:stream';

/** A folder as Drive describes it. */
export interface DriveFolder {
  id: string;
  name: string;
}

/** One entry of a folder: a file, a subfolder, a shortcut or a Google Docs document. */
export interface DriveEntry {
  id: string;
  name: string;
  mimeType: string;
  /** Bytes; null for entries without content (folders, Google Docs). */
  size: number | null;
  md5Checksum: string | null;
  sha256Checksum: string | null;
  modifiedTime: Date | null;
  trashed: boolean;
}

/**
 * Why Drive said no, in the terms FindMe acts on:
 * - `not-found`: the file or folder does not exist, or is not shared with the service account;
 * - `credentials`: the service account's key was refused (deleted, disabled, revoked);
 * - `rate-limited`: a quota error (403 userRateLimitExceeded / rateLimitExceeded, 429): try again later;
 * - `unavailable`: Drive failed or could not be reached (5xx, network): try again later.
 */
export type DriveFailure = 'not-found' | 'credentials' | 'rate-limited' | 'unavailable';

export class DriveError extends Error {
  constructor(
    readonly failure: DriveFailure,
    message: string,
    /** Drive's Retry-After, when it sent one. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'DriveError';
  }
}

/** A page of a folder's entries, and the token of the next page (null on the last). */
export interface DrivePage {
  entries: DriveEntry[];
  nextPageToken: string | null;
}

/** Google Drive, read-only, as one service account sees it. */
export interface DriveSource {
  /** The address a folder must be shared with. */
  readonly serviceAccountEmail: string;
  /** The folder; DriveError `not-found` when it is not one, or is not shared with the service account. */
  folder(id: string): Promise<DriveFolder>;
  /** One page of the folder's entries that are not in the trash (Drive may return fewer than asked). */
  list(folderId: string, pageToken: string | null): Promise<DrivePage>;
  /** The file's bytes as a stream. */
  download(fileId: string): Promise<Readable>;
}
