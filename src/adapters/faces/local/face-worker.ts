/** Worker-thread entry: one face model per thread, one image at a time. */
import { parentPort } from 'node:worker_threads';
import { FaceModel, type DetectOptions } from './face-model.js';

interface Request {
  id: number;
  image: Uint8Array;
  options: DetectOptions;
}

const port = parentPort;
if (!port) throw new Error('face-worker must run in a worker thread');

const model = await FaceModel.load();
port.on('message', (request: Request) => {
  model.detect(Buffer.from(request.image.buffer, request.image.byteOffset, request.image.byteLength), request.options).then(
    (result) => port.postMessage({ id: request.id, result }),
    (err: unknown) => port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
port.postMessage({ ready: true });
