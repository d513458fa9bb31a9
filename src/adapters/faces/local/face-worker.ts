/** Worker-thread entry: one face model per thread, one image at a time. */
import { parentPort } from 'node:worker_threads';
import { FaceModel, type DetectOptions } from './face-model.js';
import type { RgbImage } from './net-input.js';

interface Request {
  id: number;
  /** An encoded file, or a photo its pool decoded once for all its parts. */
  image: Uint8Array | RgbImage;
  options: DetectOptions;
}

const port = parentPort;
if (!port) throw new Error('face-worker must run in a worker thread');

const model = await FaceModel.load();
port.on('message', (request: Request) => {
  const { image } = request;
  model.detect(image instanceof Uint8Array ? Buffer.from(image.buffer, image.byteOffset, image.byteLength) : image, request.options).then(
    (result) => port.postMessage({ id: request.id, result }),
    (err: unknown) => port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
port.postMessage({ ready: true });
