import { UploadError } from './errors';

export interface PresignedUpload {
  url: string;
  method: 'PUT' | 'POST';
  headers: { key: string; value: string }[];
  fields: { key: string; value: string }[];
}

/**
 * Sends a file to its signed target (PUT for the local store, a multipart
 * POST for S3), reporting progress. XMLHttpRequest, because fetch reports no
 * upload progress.
 */
export function sendFile(target: PresignedUpload, file: Blob, onProgress?: (sent: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    let body: Blob | FormData = file;
    if (target.method === 'POST') {
      const form = new FormData();
      for (const { key, value } of target.fields) form.append(key, value);
      form.append('file', file);
      body = form;
    } else {
      for (const { key, value } of target.headers) if (key.toLowerCase() !== 'content-length') xhr.setRequestHeader(key, value);
    }
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else if (xhr.status === 409) resolve(); // already stored: the link accepts one upload
      else if (xhr.status === 403) reject(new UploadError('expired'));
      else if (xhr.status === 413) reject(new UploadError('tooLarge'));
      else reject(new UploadError(xhr.status >= 500 ? 'network' : 'refused'));
    };
    xhr.onerror = () => reject(new UploadError('network'));
    xhr.ontimeout = () => reject(new UploadError('network'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(body);
  });
}

/** Read per step when hashing without Web Crypto: memory stays flat for a 50 MB file. */
const HASH_CHUNK = 4 * 1024 * 1024;

/**
 * Hex SHA-256 of a file: with the browser's Web Crypto where the page is a
 * secure context (https, localhost); otherwise (plain http on a network
 * address, as at the venue) with a JavaScript implementation, loaded only then.
 */
export async function sha256(file: Blob): Promise<string> {
  let digest: Uint8Array;
  if (globalThis.crypto?.subtle) {
    digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  } else {
    const { sha256: hash } = await import('@noble/hashes/sha2.js');
    const state = hash.create();
    for (let at = 0; at < file.size; at += HASH_CHUNK) state.update(new Uint8Array(await file.slice(at, at + HASH_CHUNK).arrayBuffer()));
    digest = state.digest();
  }
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Resolves when the browser is back online (at once when it is). */
export function whenOnline(): Promise<void> {
  if (navigator.onLine) return Promise.resolve();
  return new Promise((resolve) => window.addEventListener('online', () => resolve(), { once: true }));
}

/**
 * A selfie made small before it leaves the phone: the long side at most
 * `maxSide` pixels, EXIF orientation applied, as JPEG.
 */
export async function downscale(file: Blob, maxSide = 1600): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode'))), 'image/jpeg', 0.9));
}
