import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  PutBucketCorsCommand,
  type CORSRule,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Router } from 'express';
import { attachmentDisposition } from './content-disposition.js';
import {
  ObjectNotFoundError,
  type ObjectStore,
  type PresignedUpload,
  type StoredObject,
  type DownloadOptions,
  type UploadConstraints,
} from '../../ports/object-store.js';

const WEEK_SECONDS = 7 * 24 * 3600;

/**
 * S3 (or an S3-compatible store at S3_ENDPOINT). Uploads are presigned POSTs
 * whose policy pins the content type and a content-length range, so S3 itself
 * refuses a wrong or oversize file.
 */
export class S3ObjectStore implements ObjectStore {
  readonly driver = 's3' as const;

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
  ) {}

  /**
   * The bucket's CORS rules for browsers at these origins: uploads are
   * presigned POSTs (or PUTs), images and downloads presigned GETs.
   */
  static corsRules(origins: string[]): CORSRule[] {
    return [
      {
        AllowedOrigins: [...new Set(origins)],
        AllowedMethods: ['GET', 'HEAD', 'POST', 'PUT'],
        AllowedHeaders: ['*'],
        ExposeHeaders: ['ETag', 'Content-Length', 'Content-Disposition'],
        MaxAgeSeconds: 600,
      },
    ];
  }

  /** Puts these CORS rules on the bucket (replacing its rules). */
  async applyCors(rules: CORSRule[]): Promise<void> {
    await this.client.send(new PutBucketCorsCommand({ Bucket: this.bucket, CORSConfiguration: { CORSRules: rules } }));
  }

  static create(options: { bucket: string; region: string | undefined; endpoint: string | undefined; forcePathStyle: boolean }): S3ObjectStore {
    const client = new S3Client({
      region: options.region ?? 'us-east-1',
      // S3-compatible servers (MinIO, s3rver…) may not decode the aws-chunked bodies the SDK sends with a
      // checksum for streamed uploads (Drive imports): with an endpoint of its own, checksums only where S3 requires them.
      ...(options.endpoint ? { endpoint: options.endpoint, requestChecksumCalculation: 'WHEN_REQUIRED' as const } : {}),
      forcePathStyle: options.forcePathStyle,
    });
    return new S3ObjectStore(client, options.bucket);
  }

  async createUpload(key: string, c: UploadConstraints): Promise<PresignedUpload> {
    const { url, fields } = await createPresignedPost(this.client, {
      Bucket: this.bucket,
      Key: key,
      Conditions: [
        ['content-length-range', 1, c.maxBytes],
        ['eq', '$Content-Type', c.contentType],
      ],
      Fields: { 'Content-Type': c.contentType },
      Expires: c.expiresInSeconds,
    });
    return { url, method: 'POST', headers: {}, fields, expiresAt: new Date(Date.now() + c.expiresInSeconds * 1000) };
  }

  async createDownloadUrl(key: string, options: DownloadOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.filename
        ? { ResponseContentDisposition: attachmentDisposition(options.filename) }
        : {}),
    });
    // Dated at the window's fixed signing time: the same object gives the same URL for the whole window.
    // SigV4 allows a week at most between the signing date and the expiry.
    const expiresIn = Math.min(WEEK_SECONDS, Math.round((options.expiresAt.getTime() - options.signedAt.getTime()) / 1000));
    return getSignedUrl(this.client, command, { expiresIn, signingDate: new Date(options.expiresAt.getTime() - expiresIn * 1000) });
  }

  /** Clients talk to S3 directly. */
  routes(): Router[] {
    return [];
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, contentType: out.ContentType };
    } catch (err) {
      if (err instanceof NotFound || err instanceof NoSuchKey || (err as { name?: string }).name === 'NotFound') return null;
      throw err;
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) throw new ObjectNotFoundError(key);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async stream(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) throw new ObjectNotFoundError(key);
      return out.Body as Readable;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async putStream(key: string, body: Readable, options: { contentType: string; size: number }): Promise<void> {
    // The length is known (S3 needs it for a streamed body); a stream that ends short or runs long fails the request.
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: options.contentType, ContentLength: options.size }));
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      if (chunk.length === 0) continue;
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
      );
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => typeof k === 'string');
      if (keys.length > 0) await this.delete(keys);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
