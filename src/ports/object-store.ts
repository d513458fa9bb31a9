import type { Readable } from 'node:stream';
/** Where and how a client sends a file: straight to storage, never through the API. */
export interface PresignedUpload {
  url: string;
  /** `PUT`: send the bytes with `headers`. `POST`: multipart form with `fields` first, then `file`. */
  method: 'PUT' | 'POST';
  headers: Record<string, string>;
  fields: Record<string, string>;
  expiresAt: Date;
}

export interface UploadConstraints {
  contentType: string;
  /** Largest accepted body; the store refuses more (or the worker does, for stores that cannot). */
  maxBytes: number;
  expiresInSeconds: number;
  /**
   * The address the client reached FindMe at, for stores that FindMe serves
   * itself (the local store): the URL must work from that client's network.
   * Stores reached directly (S3) ignore it.
   */
  baseUrl?: string | undefined;
}

/** How a download URL is made: its window, its file name, and for the local store the client's address. */
export interface DownloadOptions {
  expiresAt: Date;
  signedAt: Date;
  filename?: string;
  /** As `UploadConstraints.baseUrl`. */
  baseUrl?: string | undefined;
}

export interface StoredObject {
  size: number;
  contentType: string | undefined;
}

import type { Router } from 'express';

/** Photo and selfie bytes. Keys are opaque paths (`events/<id>/photos/<id>/original`). */
export interface ObjectStore {
  readonly driver: 'local' | 's3';
  /**
   * HTTP routes the store serves itself (the local store's signed uploads and
   * downloads); none for stores clients reach directly.
   */
  routes(): Router[];
  createUpload(key: string, constraints: UploadConstraints): Promise<PresignedUpload>;
  /**
   * A short-lived URL that downloads the object until `expiresAt`; `filename`
   * sets Content-Disposition. The same arguments give the same URL (`signedAt`
   * dates the signature), so clients can cache what it returns.
   */
  createDownloadUrl(key: string, options: DownloadOptions): Promise<string>;
  /** Size and type of a stored object, or null when there is none. */
  head(key: string): Promise<StoredObject | null>;
  get(key: string): Promise<Buffer>;
  /** The object's bytes as a stream, never whole in memory (ObjectNotFoundError when there is none). */
  stream(key: string): Promise<Readable>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /**
   * Writes a stream of exactly `size` bytes without holding it in memory (an
   * import's download). Nothing is stored when the stream fails.
   */
  putStream(key: string, body: Readable, options: { contentType: string; size: number }): Promise<void>;
  /** Deletes the keys; missing ones are fine. */
  delete(keys: string[]): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (which ends with `/`). */
  deletePrefix(prefix: string): Promise<void>;
}

/** Raised by stores when an object is absent, so callers can tell it from an outage. */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object ${key} does not exist`);
    this.name = 'ObjectNotFoundError';
  }
}
