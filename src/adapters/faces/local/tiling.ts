/**
 * Where in a big photo the detector looks: a map of the cells with enough
 * texture to hold a face, and the tiles that cover them (one per group of
 * people on a plain background, or the grid's tiles in a crowd).
 */

/** Texture cells (at the tiles' scale): about the size of the smallest face we look for. */
const CELL = 32;
/** Standard deviation of brightness (0–255) below which a cell cannot hold a face. */
const MIN_TEXTURE = 6;

/** A box in pixels. */
type Box = { x: number; y: number; width: number; height: number };

/**
 * Where small faces can be, at the tiles' scale: cells of about a small face
 * whose brightness varies (a uniform sky, wall or blur has nothing to find)
 * and that no face of the whole-image pass covers.
 */
export class TextureMap {
  private readonly cols: number;
  private readonly rows: number;
  private readonly live: Uint8Array;

  constructor(
    rgb: Buffer,
    private readonly width: number,
    private readonly height: number,
  ) {
    this.cols = Math.ceil(width / CELL);
    this.rows = Math.ceil(height / CELL);
    this.live = new Uint8Array(this.cols * this.rows);
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const x0 = c * CELL;
        const y0 = r * CELL;
        const x1 = Math.min(width, x0 + CELL);
        const y1 = Math.min(height, y0 + CELL);
        let sum = 0;
        let sq = 0;
        let n = 0;
        for (let y = y0; y < y1; y += 2) {
          for (let x = x0; x < x1; x += 2) {
            const i = (y * width + x) * 3;
            const luma = 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
            sum += luma;
            sq += luma * luma;
            n++;
          }
        }
        const mean = sum / n;
        if (sq / n - mean * mean >= MIN_TEXTURE * MIN_TEXTURE) this.live[r * this.cols + c] = 1;
      }
    }
  }

  /** Cells whose centre lies in one of these faces (found already) cannot hold another. */
  cover(faces: Box[]): void {
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const cx = (c * CELL + Math.min(this.width, (c + 1) * CELL)) / 2;
        const cy = (r * CELL + Math.min(this.height, (r + 1) * CELL)) / 2;
        if (faces.some((b) => cx >= b.x && cx <= b.x + b.width && cy >= b.y && cy <= b.y + b.height)) this.live[r * this.cols + c] = 0;
      }
    }
  }

  /**
   * Tiles of `size` px (overlapping by `overlap`) that hold every live cell:
   * each cluster of live cells covered on its own when that takes fewer tiles
   * than the regular grid's tiles that hold one (a few people on a plain
   * background), else those grid tiles (a crowd fills the frame).
   */
  tiles(size: number, overlap: number): Region[] {
    const step = size - overlap;
    const needed = this.grid(size, step);
    const clustered: Region[] = [];
    for (const c of this.clusters()) {
      for (const y of spans(c.y, c.height, size, step, this.height)) for (const x of spans(c.x, c.width, size, step, this.width)) clustered.push(this.region(x, y, size));
      if (clustered.length >= needed.length) return needed;
    }
    return clustered;
  }

  /**
   * One tile per cluster of live cells (with its margin of a cell), when each
   * fits in one tile and they take fewer tiles than the grid; null otherwise.
   */
  tilesPerCluster(size: number, overlap: number): Region[] | null {
    const clusters = this.clusters();
    const fits = (c: Region) => c.width <= size && c.height <= size;
    if (!clusters.every(fits) || clusters.length >= this.grid(size, size - overlap).length) return null;
    return clusters.map((c) => this.region(spans(c.x, c.width, size, size, this.width)[0]!, spans(c.y, c.height, size, size, this.height)[0]!, size));
  }

  /** The regular grid's tiles that hold a live cell. */
  private grid(size: number, step: number): Region[] {
    const all: Region[] = [];
    for (const y of spans(0, this.height, size, step)) for (const x of spans(0, this.width, size, step)) all.push(this.region(x, y, size));
    return all.filter((r) => this.anyIn(r));
  }

  private region(x: number, y: number, size: number): Region {
    return { x, y, width: Math.min(size, this.width - x), height: Math.min(size, this.height - y) };
  }

  /** Whether any cell of the region may hold a face not found yet. */
  private anyIn(region: Region): boolean {
    const c1 = Math.min(this.cols, Math.ceil((region.x + region.width) / CELL));
    const r1 = Math.min(this.rows, Math.ceil((region.y + region.height) / CELL));
    for (let r = Math.floor(region.y / CELL); r < r1; r++) {
      for (let c = Math.floor(region.x / CELL); c < c1; c++) if (this.live[r * this.cols + c]) return true;
    }
    return false;
  }

  /** Bounding boxes (px, one cell of margin) of live cells at most a cell apart. */
  private clusters(): Region[] {
    const seen = new Uint8Array(this.live.length);
    const out: Region[] = [];
    for (let start = 0; start < this.live.length; start++) {
      if (!this.live[start] || seen[start]) continue;
      seen[start] = 1;
      const stack = [start];
      let [c0, r0, c1, r1] = [this.cols, this.rows, 0, 0];
      while (stack.length > 0) {
        const i = stack.pop()!;
        const c = i % this.cols;
        const r = (i - c) / this.cols;
        [c0, r0, c1, r1] = [Math.min(c0, c), Math.min(r0, r), Math.max(c1, c), Math.max(r1, r)];
        for (let dr = -2; dr <= 2; dr++) {
          for (let dc = -2; dc <= 2; dc++) {
            const rr = r + dr;
            const cc = c + dc;
            const j = rr * this.cols + cc;
            if (rr < 0 || cc < 0 || rr >= this.rows || cc >= this.cols || seen[j] || !this.live[j]) continue;
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
      const x = Math.max(0, (c0 - 1) * CELL);
      const y = Math.max(0, (r0 - 1) * CELL);
      out.push({ x, y, width: Math.min(this.width, (c1 + 2) * CELL) - x, height: Math.min(this.height, (r1 + 2) * CELL) - y });
    }
    return out;
  }
}

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Starts of tiles of `size` px that cover [from, from + length) with at least
 * `size - step` px of overlap, inside [0, limit).
 */
function spans(from: number, length: number, size: number, step: number, limit = from + length): number[] {
  if (limit <= size) return [0];
  const clamp = (v: number) => Math.max(0, Math.min(limit - size, Math.round(v)));
  if (length <= size) return [clamp(from + length / 2 - size / 2)];
  const n = Math.ceil((length - size) / step) + 1;
  return Array.from({ length: n }, (_, i) => clamp(from + (i * (length - size)) / (n - 1)));
}

/** A region of a raw RGB image, row by row: no re-encoding. */
export function copyRegion(rgb: Buffer, width: number, region: { x: number; y: number; width: number; height: number }): Uint8Array {
  const out = new Uint8Array(region.width * region.height * 3);
  for (let r = 0; r < region.height; r++) {
    const from = ((region.y + r) * width + region.x) * 3;
    out.set(rgb.subarray(from, from + region.width * 3), r * region.width * 3);
  }
  return out;
}

