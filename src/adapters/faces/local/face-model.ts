/**
 * face-api (SSD MobileNet v1 + 68 landmarks + 128-d recognition) on TensorFlow.js
 * with the WebAssembly backend, models from the package's own model/ folder.
 * One instance per thread: the pool in face-pool.ts gives each worker thread one.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

/** Longest side of the whole-image pass (photos at most this size are analysed as they are). */
const FULL_PASS_SIDE = 1600;
/** Pixels from a shared tile edge within which a detection counts as cut by it. */
const EDGE = 2;

type Tf = typeof import('@tensorflow/tfjs');
type FaceApi = typeof import('@vladmandic/face-api');

export interface RawFace {
  /** Box in pixels of the analysed (rotated) image. */
  box: { x: number; y: number; width: number; height: number };
  score: number;
  descriptor: Float32Array;
  /** Found in a tile: where the whole-image pass found the same face, its box and descriptor are kept. */
  fromTile?: boolean;
}

export interface DetectOptions {
  minConfidence: number;
  /** Tile images whose long side exceeds 1.5 × this (0 = never), so small faces in big photos are found. */
  tileSize: number;
  /** When nothing is found, retry on the image set in a black border (close-up selfies fill the frame). */
  padIfNone: boolean;
  /** Analyse at most this long side (the image is scaled down first). */
  maxSide: number;
  /**
   * Average each face's descriptor with that of its mirror image (one more
   * pass of the recognition net per face): a steadier reference for selfies.
   */
  flipAverage?: boolean;
}

export interface DetectResult {
  width: number;
  height: number;
  /** Boxes relative to width/height (0..1). */
  faces: { box: { left: number; top: number; width: number; height: number }; score: number; descriptor: Float32Array }[];
  /** Variance of the Laplacian of each face (sharpness), same order as faces. */
  sharpness: number[];
  tiles: number;
}

export class FaceModel {
  private constructor(
    private readonly tf: Tf,
    private readonly faceapi: FaceApi,
  ) {}

  static async load(): Promise<FaceModel> {
    const tf = require('@tensorflow/tfjs') as Tf;
    require('@tensorflow/tfjs-backend-wasm');
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    await tf.setBackend('wasm');
    await tf.ready();
    const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
    return new FaceModel(tf, faceapi);
  }

  /** Decodes (EXIF-rotated, sRGB, 3 channels) and finds every face with its descriptor. */
  async detect(image: Buffer, options: DetectOptions): Promise<DetectResult> {
    const { data, info } = await sharp(image, { limitInputPixels: 200_000_000 })
      .rotate()
      .resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height } = info;
    let faces = await this.detectTiled(data, width, height, options);
    let tiles = faces.tiles;
    if (faces.found.length === 0 && options.padIfNone) {
      const padded = await this.detectPadded(data, width, height, options);
      faces = { found: padded, tiles: tiles + 1 };
      tiles += 1;
    }
    const sharpness = await Promise.all(faces.found.map((f) => laplacianVariance(data, width, height, f.box)));
    return {
      width,
      height,
      tiles,
      sharpness,
      faces: faces.found.map((f) => ({
        box: { left: f.box.x / width, top: f.box.y / height, width: f.box.width / width, height: f.box.height / height },
        score: f.score,
        descriptor: f.descriptor,
      })),
    };
  }

  private async detectTiled(rgb: Buffer, width: number, height: number, options: DetectOptions): Promise<{ found: RawFace[]; tiles: number }> {
    // A whole-image pass on a copy of at most FULL_PASS_SIDE: the detector sees 512 px anyway,
    // and a 24-megapixel tensor would cost seconds for nothing.
    const scale = Math.min(1, FULL_PASS_SIDE / Math.max(width, height));
    let found: RawFace[];
    if (scale < 1) {
      const { data, info } = await sharp(rgb, { raw: { width, height, channels: 3 } })
        .resize(Math.round(width * scale), Math.round(height * scale))
        .raw()
        .toBuffer({ resolveWithObject: true });
      found = (await this.detectPixels(data, info.width, info.height, options.minConfidence, options.flipAverage)).map((f) => ({
        ...f,
        box: { x: f.box.x / scale, y: f.box.y / scale, width: f.box.width / scale, height: f.box.height / scale },
      }));
    } else {
      found = await this.detectPixels(rgb, width, height, options.minConfidence, options.flipAverage);
    }
    const tile = options.tileSize;
    if (tile <= 0 || Math.max(width, height) <= tile * 1.5) return { found, tiles: 1 };
    // Tiles at full resolution find the small faces. Faces larger than a tile's overlap are
    // found whole by the whole-image pass, so the overlap only needs to hold a small face.
    const overlap = Math.round(tile * 0.16);
    const step = tile - overlap;
    let tiles = 1;
    for (let y = 0; y < height - overlap; y += step) {
      for (let x = 0; x < width - overlap; x += step) {
        const region = { x, y, width: Math.min(tile, width - x), height: Math.min(tile, height - y) };
        const { data } = await sharp(rgb, { raw: { width, height, channels: 3 } })
          .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
          .raw()
          .toBuffer({ resolveWithObject: true });
        const inTile = await this.detectPixels(data, region.width, region.height, options.minConfidence, options.flipAverage);
        // A face touching an edge this tile shares with another is cut: the neighbour (small
        // faces, inside the overlap) or the whole-image pass (large ones) sees it whole.
        const cut = (f: RawFace) =>
          (region.x > 0 && f.box.x <= EDGE) ||
          (region.y > 0 && f.box.y <= EDGE) ||
          (region.x + region.width < width && f.box.x + f.box.width >= region.width - EDGE) ||
          (region.y + region.height < height && f.box.y + f.box.height >= region.height - EDGE);
        found.push(...inTile.filter((f) => !cut(f)).map((f) => ({ ...f, fromTile: true, box: { ...f.box, x: f.box.x + region.x, y: f.box.y + region.y } })));
        tiles++;
      }
    }
    return { found: suppress(found), tiles };
  }

  private async detectPadded(rgb: Buffer, width: number, height: number, options: DetectOptions): Promise<RawFace[]> {
    // The image at most 300 px, in a border of its own long side on every side: the face then
    // fills a third of a 900-px frame. Scaled down first, so a big photo costs no big buffer.
    const small = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .resize({ width: 300, height: 300, fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const border = Math.max(small.info.width, small.info.height);
    const { data, info } = await sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: 3 } })
      .extend({ top: border, bottom: border, left: border, right: border, background: { r: 0, g: 0, b: 0 } })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const scale = small.info.width / width;
    const found = await this.detectPixels(data, info.width, info.height, options.minConfidence, options.flipAverage);
    return found.map((f) => ({
      ...f,
      box: clampBox(
        { x: (f.box.x - border) / scale, y: (f.box.y - border) / scale, width: f.box.width / scale, height: f.box.height / scale },
        width,
        height,
      ),
    }));
  }

  private async detectPixels(rgb: Buffer, width: number, height: number, minConfidence: number, flipAverage = false): Promise<RawFace[]> {
    const { tf, faceapi } = this;
    const tensor = tf.tensor3d(Int32Array.from(rgb), [height, width, 3], 'int32');
    try {
      const results = await faceapi
        .detectAllFaces(tensor as never, new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: 200 }))
        .withFaceLandmarks()
        .withFaceDescriptors();
      const mirrored = flipAverage ? await this.mirroredDescriptors(tensor, results.map((r) => r.alignedRect)) : [];
      return results.map((r, i) => ({
        box: { x: r.detection.box.x, y: r.detection.box.y, width: r.detection.box.width, height: r.detection.box.height },
        score: r.detection.score,
        descriptor: mirrored[i] ? r.descriptor.map((v, k) => (v + mirrored[i]![k]!) / 2) : r.descriptor,
      }));
    } finally {
      tensor.dispose();
    }
  }

  /** The descriptor of each aligned face flipped left to right. */
  private async mirroredDescriptors(tensor: import('@tensorflow/tfjs').Tensor3D, aligned: import('@vladmandic/face-api').FaceDetection[]): Promise<Float32Array[]> {
    const { tf, faceapi } = this;
    const faces = await faceapi.extractFaceTensors(tensor as never, aligned);
    try {
      const out: Float32Array[] = [];
      for (const face of faces) {
        const flipped = tf.reverse(face as unknown as import('@tensorflow/tfjs').Tensor3D, 1);
        try {
          out.push((await faceapi.computeFaceDescriptor(flipped as never)) as Float32Array);
        } finally {
          flipped.dispose();
        }
      }
      return out;
    } finally {
      for (const face of faces) face.dispose();
    }
  }
}

/**
 * Non-maximum suppression across tiles: overlapping boxes are one face. The
 * whole-image pass's box wins (it sees a large face whole, where a tile's view
 * may be partial); among tiles, the surest.
 */
function suppress(faces: RawFace[]): RawFace[] {
  const sorted = [...faces].sort((a, b) => Number(a.fromTile ?? false) - Number(b.fromTile ?? false) || b.score - a.score);
  const kept: RawFace[] = [];
  for (const face of sorted) if (!kept.some((k) => overlap(k.box, face.box) > 0.3)) kept.push(face);
  return kept;
}

function overlap(a: RawFace['box'], b: RawFace['box']): number {
  const x = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const y = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = x * y;
  // Intersection over the smaller box: a half face at a tile edge inside a whole one counts as the same face.
  return inter / Math.min(a.width * a.height, b.width * b.height);
}

function clampBox(box: RawFace['box'], width: number, height: number): RawFace['box'] {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  return { x, y, width: Math.min(width - x, box.width), height: Math.min(height - y, box.height) };
}

/** Sharpness of a face: the variance of its Laplacian on a 128-px grey crop (blurry faces score low). */
async function laplacianVariance(rgb: Buffer, width: number, height: number, box: RawFace['box']): Promise<number> {
  const left = Math.max(0, Math.floor(box.x));
  const top = Math.max(0, Math.floor(box.y));
  const w = Math.max(1, Math.min(width - left, Math.round(box.width)));
  const h = Math.max(1, Math.min(height - top, Math.round(box.height)));
  const { data, info } = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .extract({ left, top, width: w, height: h })
    .resize(128, 128, { fit: 'fill' })
    .greyscale()
    .convolve({ width: 3, height: 3, kernel: [0, 1, 0, 1, -4, 1, 0, 1, 0], offset: 128 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // stats() describes its input, so measure the filtered pixels themselves.
  const stats = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).stats();
  const sd = stats.channels[0]?.stdev ?? 0;
  return sd * sd;
}
