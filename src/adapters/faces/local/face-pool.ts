import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import sharp from 'sharp';
import { decodeForFaces, mergeParts, type DetectOptions, type DetectResult } from './face-model.js';
import type { RgbImage } from './net-input.js';

interface Task {
  id: number;
  /** An encoded file, or a photo decoded once for all its parts (pixels every thread shares). */
  image: Uint8Array | RgbImage;
  options: DetectOptions;
  resolve: (result: DetectResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: Task | null;
}

/**
 * A pool of worker threads, each with its own face model (TensorFlow.js is
 * not safe to share, and inference must never block the API's event loop).
 * Threads start on first use; a thread that dies is replaced and its task failed.
 */
export class FacePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  /** Idle threads promised to photos being cut into parts, whose parts are not queued yet. */
  private claimed = 0;
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Every face of the image. A big photo that finds threads idle is cut into
   * bands, one per idle thread, analysed at once and merged: with the queue
   * empty (a photographer shooting at a venue), a photo takes the time of its
   * largest band, not of all of them on one thread while the other waits.
   */
  async detect(image: Buffer, options: DetectOptions): Promise<DetectResult> {
    const parts = await this.partsFor(image, options);
    if (parts <= 1) return this.run(image, options);
    // Decoded once here (libvips' threads), not once per part: the parts share the pixels.
    const started = performance.now();
    let pixels: RgbImage;
    try {
      const decoded = await decodeForFaces(image, options.maxSide);
      const shared = new Uint8Array(new SharedArrayBuffer(decoded.data.length));
      shared.set(decoded.data);
      pixels = { data: shared, width: decoded.width, height: decoded.height };
    } finally {
      this.claimed -= parts;
    }
    const decodeMs = Math.round(performance.now() - started);
    const results = await Promise.all(Array.from({ length: parts }, (_, index) => this.run(pixels, { ...options, padIfNone: false, part: { index, count: parts } })));
    const merged = mergeParts(results);
    merged.timings.decode += decodeMs;
    if (merged.faces.length > 0 || !options.padIfNone) return merged;
    const padded = await this.run(image, { ...options, padOnly: true });
    const t = merged.timings;
    const timings = { decode: t.decode + padded.timings.decode, boxes: t.boxes + padded.timings.boxes, descriptors: t.descriptors + padded.timings.descriptors };
    return { ...padded, tiles: merged.tiles + padded.tiles, timings };
  }

  /**
   * Threads free now, for a photo big enough to be tiled (one part otherwise,
   * or when photos wait). The threads are claimed until the parts are queued:
   * two photos arriving together are not both cut for the same idle threads
   * (each part repeats the whole-image looks, which a burst cannot spare).
   */
  private async partsFor(image: Buffer, options: DetectOptions): Promise<number> {
    if (this.size < 2 || options.tileSize <= 0 || options.sharpness || options.part || options.padOnly) return 1;
    const idle = () => (this.queue.length > 0 ? 0 : this.slots.filter((s) => s.busy === null).length + (this.size - this.slots.length) - this.claimed);
    if (idle() < 2) return 1;
    const meta = await sharp(image).metadata().catch(() => null);
    const side = Math.min(options.maxSide, Math.max(meta?.width ?? 0, meta?.height ?? 0));
    // Counted again after the wait: another photo may have taken the threads meanwhile.
    const parts = side > options.tileSize * 1.5 ? idle() : 1;
    if (parts < 2) return 1;
    this.claimed += parts;
    return parts;
  }

  private run(image: Buffer | RgbImage, options: DetectOptions): Promise<DetectResult> {
    if (this.closed) return Promise.reject(new Error('face pool is closed'));
    return new Promise((resolve, reject) => {
      // Copy an encoded file: the caller's buffer may be a slice of a pooled allocation.
      this.queue.push({ id: this.nextId++, image: Buffer.isBuffer(image) ? new Uint8Array(image) : image, options, resolve, reject });
      this.pump();
    });
  }

  /** Loads the models in every thread now (start-up), instead of on the first photo. */
  async warm(): Promise<void> {
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    await Promise.all(this.slots.map((s) => s.ready));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('face pool is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.busy === null);
      if (!slot && this.slots.length < this.size) {
        slot = this.spawn();
        this.slots.push(slot);
      }
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.busy = task;
      const s = slot;
      s.ready.then(
        // An encoded file moves to the thread; shared pixels are shared.
        () => s.worker.postMessage({ id: task.id, image: task.image, options: task.options }, task.image instanceof Uint8Array ? [task.image.buffer as ArrayBuffer] : []),
        (err: Error) => this.finish(s, err),
      );
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./face-worker.js', import.meta.url));
    let markReady: () => void = () => undefined;
    let failReady: (err: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    const slot: Slot = { worker, ready, busy: null };
    worker.on('message', (message: { ready?: boolean; id?: number; result?: DetectResult; error?: string }) => {
      if (message.ready) return markReady();
      const task = slot.busy;
      if (!task || task.id !== message.id) return;
      slot.busy = null;
      if (message.error !== undefined) task.reject(new Error(message.error));
      else task.resolve(message.result!);
      this.pump();
    });
    worker.on('error', (err) => {
      this.logger.error({ err }, 'face worker thread crashed');
      failReady(err);
      this.finish(slot, err);
    });
    worker.on('exit', (code) => {
      if (this.closed) return;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      if (slot.busy) this.finish(slot, new Error(`face worker exited with code ${code}`));
      this.pump();
    });
    return slot;
  }

  private finish(slot: Slot, err: Error): void {
    const task = slot.busy;
    slot.busy = null;
    task?.reject(err);
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    void slot.worker.terminate();
    if (!this.closed) this.pump();
  }
}
