/**
 * face-api's models (SSD MobileNet v1 + 68 landmarks + 128-d recognition),
 * weights from the package's own model/ folder. The three networks run on
 * onnxruntime-node (face-nets.ts), their inputs written from the raw pixels
 * (net-input.ts); face-api on TensorFlow.js loads the weights, and its own
 * classes align the faces by their landmarks, so a face is found and
 * described as a face-api pass would.
 * One instance per thread: the pool in face-pool.ts gives each worker thread one.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { FaceNets, LANDMARK_SIDE, RECOGNITION_SIDE, SSD_SIDE, SSD_STRIDE, ssdDetections } from './face-nets.js';
import { writeNetInput, type PixelRegion, type RgbImage } from './net-input.js';
import { clampBox, overlap, partOfLargerHead, photoTurn, scaleBox, suppress, turnBack, turnBox, type Box, type Turn } from './boxes.js';
import { copyRegion, TextureMap } from './tiling.js';

const require = createRequire(import.meta.url);

/** Longest side of the whole-image pass (photos at most this size are analysed as they are). */
const FULL_PASS_SIDE = 1600;
/** The detector's own input side: tiles are cut at this size from a copy scaled to match. */
const DETECTOR_SIDE = SSD_SIDE;
/** Most faces one detector pass reports. */
const MAX_RESULTS = 200;
/** Tiles covering at least this share of a photo give way to one pass per part over its band of rows. */
const BAND_WHEN_TILED = 0.6;
/**
 * Rows (at the tiles' scale) each band reaches past its share into the next:
 * a face up to twice this tall is whole in one of them; larger ones (over
 * 512 px in the photo) are the whole-image pass's.
 */
const BAND_OVERLAP = 128;
/** Pixels (at the tiles' scale) from a shared tile edge within which a detection counts as cut by it. */
const EDGE = 2;
/**
 * Tiles accept detections this much below the minimum score when they are
 * small at the detector's scale (at most SLACK_MAX_SIDE px there, so about
 * 80 px in the photo): a face near the smallest size found (about 60 px)
 * scores lower than the same face larger. On faces of 52–64 px placed in
 * 6000 × 4000 photos this finds 236 of 240 instead of 231, with no detection
 * outside a face on plain or textured backgrounds (bench/faces). Larger
 * detections get no slack: an ear beside a large face can score 0.48.
 *
 * Tiles run the detector in 8 bits, whose scores differ from floating
 * point's by up to 0.034 on the dev photos (test/face-nets.test.ts): the
 * slack grows by 0.04, so a face the floating-point detector would accept is
 * accepted.
 */
const TILE_SCORE_SLACK = 0.05 + 0.04;
const SLACK_MAX_SIDE = 40;
/** Largest side, in px, of a face as it is described (larger ones are scaled down first). */
const DESCRIBE_SIDE = 200;
/** Faces the recognition net takes in one run. */
const DESCRIBE_BATCH = 16;
/** Context kept around a face when it is cropped to be described, as a share of its side. */
const CROP_MARGIN = 0.5;
/**
 * A face found only on a turned copy (a camera that wrote no
 * orientation, a guest lying on the grass) is kept from this score: the
 * detector sees such faces upright there, and this keeps the turned passes'
 * rare detections outside a face out (bench/recall-levers).
 */
const SIDEWAYS_MIN_SCORE = 0.7;

type Tf = typeof import('@tensorflow/tfjs');
type FaceApi = typeof import('@vladmandic/face-api');

/** The photo scaled to at most FULL_PASS_SIDE, for the whole-image passes; `scale` from full resolution. */
interface Overview extends RgbImage {
  scale: number;
}

interface RawFace extends Box {
  descriptor: Float32Array;
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
  /** Measure each face's sharpness (the selfie checks and support's tools need it; event photos do not). */
  sharpness?: boolean;
  /**
   * One of `count` parts of a big photo, each on its own thread: this part's
   * share of the tiles (a band of rows), and the faces it finds, described,
   * with its share of the whole-image pass's faces. mergeParts makes one
   * result of them. No padded retry in a part (see padOnly).
   */
  part?: { index: number; count: number };
  /** Only the padded retry (close-ups that fill the frame), for a photo whose parts found nothing. */
  padOnly?: boolean;
  /**
   * Also look at the photo turned a quarter each way and upside down (event
   * photos): a photo stored sideways or upside down with no orientation has
   * its faces described upright, and faces lying sideways in an upright
   * photo are found. In a photo cut into parts, every part looks (so all
   * agree on how the photo stands) and the first part adds the faces only
   * those looks found.
   */
  sideways?: boolean;
}

export interface DetectResult {
  width: number;
  height: number;
  /** Boxes relative to width/height (0..1). */
  faces: { box: { left: number; top: number; width: number; height: number }; score: number; descriptor: Float32Array }[];
  /** Variance of the Laplacian of each face (sharpness), same order as faces; empty unless asked for. */
  sharpness: number[];
  tiles: number;
  /** Where this call's time went, in ms (for parts run at once, the slowest part's). */
  timings: { decode: number; boxes: number; descriptors: number };
}

export class FaceModel {
  private constructor(
    private readonly faceapi: FaceApi,
    private readonly nets: FaceNets,
  ) {}

  static async load(): Promise<FaceModel> {
    const { tf, faceapi } = await loadFaceApi();
    const nets = await FaceNets.build(tf, faceapi, require('onnxruntime-node') as Parameters<typeof FaceNets.build>[2]);
    return new FaceModel(faceapi, nets);
  }

  /**
   * Decodes (EXIF-rotated, sRGB, 3 channels) and finds every face with its descriptor.
   *
   * Two stages. Boxes first: the detector alone, on the whole image and, in big
   * photos, on tiles of one scaled copy; tiles with no texture, or only faces
   * the whole-image pass already found, are skipped. Then each face that
   * survives suppression is described once, from a crop of the full-resolution
   * image (downscaled with a proper filter when the face is large).
   */
  async detect(image: Buffer | RgbImage, options: DetectOptions): Promise<DetectResult> {
    const started = performance.now();
    // A photo cut into parts arrives decoded once, shared by every part's thread.
    const raw = Buffer.isBuffer(image) ? await decodeForFaces(image, options.maxSide) : image;
    const { width, height } = raw;
    const data = Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
    const decoded = performance.now();
    const overview = once(() => scaledCopy(data, width, height, FULL_PASS_SIDE));
    const wholeImage = once(async () => {
      const small = await overview();
      return (await this.detectBoxes(small.data, small.width, small.height, options.minConfidence)).map((b) => ({ ...b, box: scaleBox(b.box, 1 / small.scale) }));
    });
    const views = options.sideways && !options.padOnly ? await this.sidewaysViews(await overview(), options.minConfidence) : null;
    const turn = views ? photoTurn(views.upright, views.turned) : 0;
    let { boxes, tiles } = options.padOnly ? { boxes: [] as Box[], tiles: 0 } : await this.findBoxes(data, width, height, options, wholeImage, turn);
    if (views) {
      // A photo stored sideways (no orientation written): each of its faces is described turned
      // upright, and the faces only the turned passes found are added (by the first part only).
      // The turned view's box fits a sideways face better than the upright passes' (off centre);
      // what only those passes found there, seeing it sideways, is kept from SIDEWAYS_MIN_SCORE,
      // as a face lying sideways in an upright photo is.
      const view = views.turned.filter((t) => t.turn === turn);
      if (turn !== 0) {
        boxes = boxes.flatMap((b) => {
          const seen = view.find((t) => overlap(b.box, t.box) > 0.3);
          return seen ? [{ ...b, ...seen }] : b.score >= SIDEWAYS_MIN_SCORE ? [{ ...b, turn }] : [];
        });
      }
      if ((options.part?.index ?? 0) === 0) {
        // The photo's own view first: a face several views found is taken the way the photo stands.
        const candidates = [...view, ...views.turned.filter((t) => t.turn !== turn && t.score >= SIDEWAYS_MIN_SCORE).sort((a, b) => b.score - a.score)];
        for (const t of candidates) if (!boxes.some((b) => overlap(b.box, t.box) > 0.3)) boxes = [...boxes, t];
      }
      tiles += 4;
    }
    if (boxes.length === 0 && (options.padOnly || (options.padIfNone && !options.part))) {
      boxes = await this.findBoxesPadded(data, width, height, options);
      tiles += 1;
    }
    const boxed = performance.now();
    const faces = await this.describeAll(data, width, height, boxes, options.flipAverage ?? false);
    const sharpness = options.sharpness ? await Promise.all(faces.map((f) => laplacianVariance(data, width, height, clampBox(f.box, width, height)))) : [];
    return {
      width,
      height,
      tiles,
      sharpness,
      timings: { decode: Math.round(decoded - started), boxes: Math.round(boxed - decoded), descriptors: Math.round(performance.now() - boxed) },
      faces: faces.map((f) => {
        const box = clampBox(f.box, width, height);
        return { box: { left: box.x / width, top: box.y / height, width: box.width / width, height: box.height / height }, score: f.score, descriptor: f.descriptor };
      }),
    };
  }

  /** Face boxes in full-resolution pixels: the whole-image pass, then the tiles worth a look. */
  private async findBoxes(
    rgb: Buffer,
    width: number,
    height: number,
    options: DetectOptions,
    wholeImage: () => Promise<Box[]>,
    turn: 0 | Turn,
  ): Promise<{ boxes: Box[]; tiles: number }> {
    // wholeImage: the pass on a copy of at most FULL_PASS_SIDE (the detector sees 512 px anyway).
    const tile = options.tileSize;
    const part = options.part ?? { index: 0, count: 1 };
    if (tile <= 0 || Math.max(width, height) <= tile * 1.5) return part.index === 0 ? { boxes: await wholeImage(), tiles: 1 } : { boxes: [], tiles: 0 };

    // Tiles of `tile` full-resolution pixels, cut from one copy scaled to the detector's own
    // input size, so each tile goes in as it is.
    const scale = DETECTOR_SIDE / tile;
    const { data, info } = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .resize(Math.round(width * scale), Math.round(height * scale))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const overlap = Math.round(DETECTOR_SIDE * 0.16);
    // When every group of people fits in one tile, those tiles see each face whole, large ones
    // included: no whole-image pass. Otherwise the whole-image pass finds the faces larger than
    // a tile's overlap, and the tiles look only where it found none.
    const texture = new TextureMap(data, info.width, info.height);
    let coarse: Box[] | null = null;
    let regions = texture.tilesPerCluster(DETECTOR_SIDE, overlap);
    if (!regions) {
      coarse = await wholeImage();
      texture.cover(coarse.map((b) => scaleBox(b.box, scale)));
      regions = texture.tiles(DETECTOR_SIDE, overlap);
    }
    const found: Box[] = [...(coarse ?? [])];
    // This part's band of tiles, top to bottom: parts share only the faces on their border. When
    // the tiles would cover most of the photo (a crowd, texture everywhere), the detector runs
    // once over the part's whole band of rows instead: the same convolutions without the
    // tiles' overlaps.
    const ordered = [...regions].sort((a, b) => a.y - b.y || a.x - b.x);
    const tiled = regions.reduce((sum, r) => sum + r.width * r.height, 0);
    const mine =
      coarse !== null && tiled >= BAND_WHEN_TILED * info.width * info.height
        ? [band(info.width, info.height, part)]
        : ordered.slice(Math.floor((part.index * ordered.length) / part.count), Math.floor(((part.index + 1) * ordered.length) / part.count));
    for (const region of mine) {
      const pixels = copyRegion(data, info.width, region);
      const minConfidence = options.minConfidence - TILE_SCORE_SLACK;
      const inTile = await this.detectAnySize(pixels, region.width, region.height, minConfidence);
      // On the grid, a face touching an edge of the tile inside the photo is cut: the tile next to
      // it (small faces, inside the overlap) or the whole-image pass (large ones) sees it whole.
      // A cluster's own tile is the only view of its faces: they are kept.
      const cut = (b: Box['box']) =>
        (region.x > 0 && b.x <= EDGE) ||
        (region.y > 0 && b.y <= EDGE) ||
        (region.x + region.width < info.width && b.x + b.width >= region.width - EDGE) ||
        (region.y + region.height < info.height && b.y + b.height >= region.height - EDGE);
      for (const b of inTile) {
        if (b.score < options.minConfidence && Math.max(b.box.width, b.box.height) > SLACK_MAX_SIDE) continue;
        if (coarse === null || !cut(b.box)) found.push({ score: b.score, fromTile: true, box: scaleBox({ ...b.box, x: b.box.x + region.x, y: b.box.y + region.y }, 1 / scale) });
      }
    }
    // The whole-image pass's faces are every part's, to suppress their tile duplicates; each part
    // describes its share of them (every part found the same ones, in the same order).
    let whole = 0;
    const boxes = suppress(found)
      .filter((b, _, all) => !partOfLargerHead(b, all, turn !== 0))
      .filter((b) => b.fromTile || whole++ % part.count === part.index);
    return { boxes, tiles: (coarse === null || part.index > 0 ? 0 : 1) + mine.length };
  }

  /**
   * Four quick views of the whole photo at the detector's own size, in 8
   * bits: as it is, and turned a quarter, a half and three quarters
   * clockwise (a face lying sideways or upside down stands upright in one).
   * Boxes in the photo's full-resolution pixels; the turned ones carry the
   * turn that stands them up.
   */
  private async sidewaysViews(small: Overview, minConfidence: number): Promise<{ upright: Box[]; turned: Box[] }> {
    const k = Math.min(1, DETECTOR_SIDE / Math.max(small.width, small.height));
    const view =
      k < 1
        ? await sharp(small.data, { raw: { width: small.width, height: small.height, channels: 3 } })
            .resize(Math.round(small.width * k), Math.round(small.height * k))
            .raw()
            .toBuffer({ resolveWithObject: true })
        : { data: small.data, info: { width: small.width, height: small.height } };
    const scale = small.scale * k;
    const upright = (await this.detectAnySize(view.data, view.info.width, view.info.height, minConfidence)).map((b) => ({ ...b, box: scaleBox(b.box, 1 / scale) }));
    const turned: Box[] = [];
    for (const turn of [90, 180, 270] as const) {
      const { data, info } = await sharp(view.data, { raw: { width: view.info.width, height: view.info.height, channels: 3 } })
        .rotate(turn)
        .raw()
        .toBuffer({ resolveWithObject: true });
      for (const d of await this.detectAnySize(data, info.width, info.height, minConfidence)) {
        turned.push({ score: d.score, turn, box: scaleBox(turnBack(d.box, turn, view.info), 1 / scale) });
      }
    }
    return { upright, turned };
  }

  private async findBoxesPadded(rgb: Buffer, width: number, height: number, options: DetectOptions): Promise<Box[]> {
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
    const found = await this.detectBoxes(data, info.width, info.height, options.minConfidence);
    // The box may reach past the photo's edge: the face is described from a crop padded the same way.
    return found.map((b) => ({ ...b, box: { x: (b.box.x - border) / scale, y: (b.box.y - border) / scale, width: b.box.width / scale, height: b.box.height / scale } }));
  }

  /**
   * The detector in 8 bits at the image's own scale, over the whole of it (a
   * tile, or a band of a crowd photo): padded at the bottom right to the
   * net's stride, as face-api pads to a square.
   */
  private async detectAnySize(pixels: Uint8Array, width: number, height: number, minConfidence: number): Promise<Box[]> {
    const [h, w] = [Math.ceil(height / SSD_STRIDE) * SSD_STRIDE, Math.ceil(width / SSD_STRIDE) * SSD_STRIDE];
    const input = new Uint8Array(h * w * 3);
    for (let r = 0; r < height; r++) input.set(pixels.subarray(r * width * 3, (r + 1) * width * 3), r * w * 3);
    const found = ssdDetections(await this.nets.detectAnySize(input, h, w), minConfidence, MAX_RESULTS, { height, width });
    return found.map((d) => ({ score: d.score, box: { x: d.left, y: d.top, width: d.right - d.left, height: d.bottom - d.top } }));
  }

  /**
   * The detector alone (no landmarks, no descriptor), as face-api's
   * locateFaces: the image padded to a square at its bottom right and scaled
   * to 512 px, boxes clipped to that square.
   */
  private async detectBoxes(pixels: Uint8Array, width: number, height: number, minConfidence: number): Promise<Box[]> {
    const input = new Float32Array(DETECTOR_SIDE * DETECTOR_SIDE * 3);
    writeNetInput({ data: pixels, width, height }, { x: 0, y: 0, width, height }, DETECTOR_SIDE, { centre: false }, input);
    const found = ssdDetections(await this.nets.detect(input), minConfidence, MAX_RESULTS);
    // face-api's padX / padY: the square's side over the scaled image's, then its relative box times the image's size.
    const long = Math.max(width, height);
    const toX = (DETECTOR_SIDE / Math.round((width * DETECTOR_SIDE) / long)) * width;
    const toY = (DETECTOR_SIDE / Math.round((height * DETECTOR_SIDE) / long)) * height;
    return found.map((d) => ({ score: d.score, box: { x: d.left * toX, y: d.top * toY, width: (d.right - d.left) * toX, height: (d.bottom - d.top) * toY } }));
  }

  /**
   * The 128-d descriptor of each face: landmarks and alignment one face at a
   * time, then the recognition net on DESCRIBE_BATCH faces at once (a fifth
   * less time a face than one by one). Faces with no usable alignment are left out.
   */
  private async describeAll(rgb: Buffer, width: number, height: number, boxes: Box[], flipAverage: boolean): Promise<RawFace[]> {
    const views = flipAverage ? 2 : 1;
    const size = RECOGNITION_SIDE * RECOGNITION_SIDE * 3;
    const described: RawFace[] = [];
    for (let start = 0; start < boxes.length; start += DESCRIBE_BATCH) {
      const chunk = boxes.slice(start, start + DESCRIBE_BATCH);
      const input = new Float32Array(chunk.length * views * size);
      const aligned: Box[] = [];
      for (const face of chunk) {
        if (await this.alignedFace(rgb, width, height, face, flipAverage, input, aligned.length * views * size)) aligned.push(face);
      }
      if (aligned.length === 0) continue;
      const out = await this.nets.descriptors(input.subarray(0, aligned.length * views * size), aligned.length * views);
      aligned.forEach((face, i) => {
        const [descriptor, mirrored] = [out[i * views]!, flipAverage ? out[i * views + 1]! : null];
        described.push({ ...face, descriptor: mirrored ? descriptor.map((v, j) => (v + mirrored[j]!) / 2) : descriptor });
      });
    }
    return described;
  }

  /**
   * One face as the recognition net takes it, written into `input` at
   * `offset` (and its mirror image after it, when asked): from a crop of the
   * full-resolution image around its box, the face at its own resolution up
   * to DESCRIBE_SIDE px (larger faces are scaled down with a Lanczos filter,
   * not the nets' bilinear resize), the crop's part outside the photo black,
   * turned upright when it lies sideways, then aligned by its landmarks.
   * False when nothing usable is left of it.
   */
  private async alignedFace(rgb: Buffer, width: number, height: number, face: Box, flipAverage: boolean, input: Float32Array, offset: number): Promise<boolean> {
    const { faceapi } = this;
    const { box } = face;
    const k = Math.min(1, DESCRIBE_SIDE / Math.max(box.width, box.height));
    const margin = Math.max(box.width, box.height) * CROP_MARGIN;
    const want = { x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin, height: box.height + 2 * margin };
    const left = Math.max(0, Math.floor(want.x));
    const top = Math.max(0, Math.floor(want.y));
    const right = Math.min(width, Math.ceil(want.x + want.width));
    const bottom = Math.min(height, Math.ceil(want.y + want.height));
    if (right - left < 2 || bottom - top < 2) return false;
    const inner = { width: Math.max(1, Math.round((right - left) * k)), height: Math.max(1, Math.round((bottom - top) * k)) };
    const pad = {
      left: Math.max(0, Math.round((left - want.x) * k)),
      top: Math.max(0, Math.round((top - want.y) * k)),
      right: Math.max(0, Math.round((want.x + want.width - right) * k)),
      bottom: Math.max(0, Math.round((want.y + want.height - bottom) * k)),
    };
    let crop = sharp(rgb, { raw: { width, height, channels: 3 } }).extract({ left, top, width: right - left, height: bottom - top });
    if (k < 1) crop = crop.resize(inner.width, inner.height, { kernel: 'lanczos3' });
    if (pad.left || pad.top || pad.right || pad.bottom) crop = sharp(await crop.raw().toBuffer(), { raw: { ...inner, channels: 3 } }).extend({ ...pad, background: { r: 0, g: 0, b: 0 } });
    const cropped = await crop.raw().toBuffer({ resolveWithObject: true });
    let image: RgbImage = { data: cropped.data, width: cropped.info.width, height: cropped.info.height };
    let at = { x: (box.x - want.x) * k, y: (box.y - want.y) * k, width: box.width * k, height: box.height * k };
    if (face.turn) ({ image, at } = await turnCrop(image, at, face.turn));
    const info = { width: image.width, height: image.height };
    const detection = new faceapi.FaceDetection(
      face.score,
      new faceapi.Rect(at.x / info.width, at.y / info.height, at.width / info.width, at.height / info.height),
      { width: info.width, height: info.height },
    );
    const landmarks = await this.landmarks(image, detection);
    if (!landmarks) return false;
    // face-api's withFaceDescriptors: the face aligned the dlib way; its mirror image from the landmarks' own box.
    const withLandmarks = faceapi.extendWithFaceLandmarks(faceapi.extendWithFaceDetection({}, detection), landmarks);
    const aligned = inside(withLandmarks.landmarks.align(null, { useDlibAlignment: true }), image);
    if (!aligned) return false;
    const mirror = flipAverage ? inside(withLandmarks.alignedRect.forSize(info.width, info.height).box, image) : null;
    writeNetInput(image, aligned, RECOGNITION_SIDE, { centre: true }, input, offset);
    // No mirror view left inside the crop: the face twice, so the average is the face's own.
    if (flipAverage) writeNetInput(image, mirror ?? aligned, RECOGNITION_SIDE, { centre: true, mirror: mirror !== null }, input, offset + RECOGNITION_SIDE * RECOGNITION_SIDE * 3);
    return true;
  }

  /** The 68 landmarks of a detected face, as face-api's faceLandmark68Net gives them. */
  private async landmarks(image: RgbImage, detection: import('@vladmandic/face-api').FaceDetection): Promise<import('@vladmandic/face-api').FaceLandmarks68 | null> {
    const { faceapi } = this;
    const region = inside(detection.forSize(image.width, image.height).box, image);
    if (!region) return null;
    const { width, height } = region;
    const pixels = new Float32Array(LANDMARK_SIDE * LANDMARK_SIDE * 3);
    writeNetInput(image, region, LANDMARK_SIDE, { centre: true }, pixels);
    const out = await this.nets.landmarks(pixels, 1);
    // FaceLandmark68NetBase.postProcess: undo the centred padding to a square, relative to the face.
    const scale = LANDMARK_SIDE / Math.max(width, height);
    const [w, h] = [width * scale, height * scale];
    const padX = w < h ? Math.abs(w - h) / 2 : 0;
    const padY = h < w ? Math.abs(w - h) / 2 : 0;
    const points = Array.from({ length: 68 }, (_, i) => new faceapi.Point((out[2 * i]! * LANDMARK_SIDE - padX) / w, (out[2 * i + 1]! * LANDMARK_SIDE - padY) / h));
    return new faceapi.FaceLandmarks68(points, { width, height });
  }
}

/** A box as face-api's extractFaceTensors cuts it: clipped at the image's borders, in whole pixels; null when nothing is left. */
function inside(box: import('@vladmandic/face-api').Box, image: RgbImage): PixelRegion | null {
  const clipped = box.clipAtImageBorders(image.width, image.height);
  return clipped.width > 0 && clipped.height > 0 ? { x: clipped.x, y: clipped.y, width: clipped.width, height: clipped.height } : null;
}

/** Part `index` of `count`'s band of rows, reaching BAND_OVERLAP rows into its neighbours. */
function band(width: number, height: number, part: { index: number; count: number }): { x: number; y: number; width: number; height: number } {
  const top = Math.max(0, Math.floor((part.index * height) / part.count) - (part.index > 0 ? BAND_OVERLAP : 0));
  const bottom = Math.min(height, Math.floor(((part.index + 1) * height) / part.count) + (part.index < part.count - 1 ? BAND_OVERLAP : 0));
  return { x: 0, y: top, width, height: bottom - top };
}

/** face-api on TensorFlow.js with the package's weights loaded: what FaceNets builds its graphs from. */
export async function loadFaceApi(): Promise<{ tf: Tf; faceapi: FaceApi }> {
  const tf = require('@tensorflow/tfjs') as Tf;
  require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  return { tf, faceapi };
}

/** The photo as the engine analyses it: turned upright (EXIF), sRGB, 3 channels, at most `maxSide`. */
export async function decodeForFaces(image: Buffer, maxSide: number): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(image, { limitInputPixels: 200_000_000 })
    .rotate()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The image at most `side` px long (itself when it already is), for the whole-image passes. */
async function scaledCopy(rgb: Buffer, width: number, height: number, side: number): Promise<Overview> {
  const scale = Math.min(1, side / Math.max(width, height));
  if (scale >= 1) return { data: rgb, width, height, scale: 1 };
  const { data, info } = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize(Math.round(width * scale), Math.round(height * scale))
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, scale };
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () => (made ??= make());
}

/** The crop turned `turn` degrees clockwise, so the face in `at` stands upright, and where that face now is. */
async function turnCrop(image: RgbImage, at: Box['box'], turn: Turn): Promise<{ image: RgbImage; at: Box['box'] }> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .rotate(turn)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { image: { data, width: info.width, height: info.height }, at: turnBox(at, turn, image) };
}

/**
 * One result from the parts of a photo analysed on several threads: a face
 * on the border of two parts' bands, found by both, counts once (the surer).
 */
export function mergeParts(parts: DetectResult[]): DetectResult {
  const first = parts[0]!;
  type Face = DetectResult['faces'][number];
  const all = parts.flatMap((p) => p.faces).sort((a, b) => b.score - a.score);
  const box = (f: Face) => ({ x: f.box.left, y: f.box.top, width: f.box.width, height: f.box.height });
  const kept: Face[] = [];
  for (const face of all) if (!kept.some((k) => overlap(box(k), box(face)) > 0.3)) kept.push(face);
  // The parts run at once: each stage waited for its slowest part.
  const slowest = (stage: keyof DetectResult['timings']) => Math.max(...parts.map((p) => p.timings[stage]));
  return {
    width: first.width,
    height: first.height,
    faces: kept,
    sharpness: [],
    tiles: parts.reduce((n, p) => n + p.tiles, 0),
    timings: { decode: slowest('decode'), boxes: slowest('boxes'), descriptors: slowest('descriptors') },
  };
}

/** Sharpness of a face: the variance of its Laplacian on a 128-px grey crop (blurry faces score low). */
async function laplacianVariance(rgb: Buffer, width: number, height: number, box: Box['box']): Promise<number> {
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
