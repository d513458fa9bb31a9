/**
 * The input face-api builds for a network from a region of an image, written
 * straight from the raw RGB bytes: the region cut out (extractFaceTensors),
 * padded with black to a square (padToSquare, centred or at the bottom
 * right), scaled to the net's side with TensorFlow's bilinear resize
 * (resizeBilinear, corners not aligned) and laid out as floats, row by row.
 * The same numbers as face-api's tensors (test/face-nets.test.ts), without a
 * tensor, a copy of the image or a trip through WebAssembly per face.
 */

/** Raw RGB pixels, 3 bytes each, row by row. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A region in whole pixels, inside the image (face-api's Box.clipAtImageBorders gives one). */
export interface PixelRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Writes the net's input for `region` at `offset` of `out` (side × side × 3
 * floats), mirrored left to right when asked (a mirror image's descriptor).
 */
export function writeNetInput(image: RgbImage, region: PixelRegion, side: number, options: { centre: boolean; mirror?: boolean }, out: Float32Array, offset = 0): void {
  const { width: w, height: h } = region;
  const square = Math.max(w, h);
  // padToSquare: round(difference × ½) after the image when centred (all of it otherwise), the rest before.
  const diff = square - Math.min(w, h);
  const after = Math.round(diff * (options.centre ? 0.5 : 1));
  const before = options.centre ? diff - after : 0;
  const [padLeft, padTop] = h > w ? [before, 0] : [0, before];
  const ratio = square / side;
  // For each output column and row: the two source pixels' offsets in the image (-1 for the black
  // padding) and the weight of the second, as resizeBilinear samples the padded square.
  const column = (c: number): number => {
    const inRegion = c - padLeft;
    if (inRegion < 0 || inRegion >= w) return -1;
    return (region.x + (options.mirror ? w - 1 - inRegion : inRegion)) * 3;
  };
  const row = (r: number): number => {
    const inRegion = r - padTop;
    return inRegion < 0 || inRegion >= h ? -1 : (region.y + inRegion) * image.width * 3;
  };
  const x0s = new Int32Array(side);
  const x1s = new Int32Array(side);
  const dxs = new Float64Array(side);
  for (let c = 0; c < side; c++) {
    const src = c * ratio;
    const x0 = Math.floor(src);
    x0s[c] = column(x0);
    x1s[c] = column(Math.min(x0 + 1, square - 1));
    dxs[c] = src - x0;
  }
  const { data } = image;
  const px = (rowOffset: number, colOffset: number, ch: number) => (rowOffset < 0 || colOffset < 0 ? 0 : data[rowOffset + colOffset + ch]!);
  let o = offset;
  for (let r = 0; r < side; r++) {
    const src = r * ratio;
    const y0 = Math.floor(src);
    const top = row(y0);
    const bottom = row(Math.min(y0 + 1, square - 1));
    const dy = src - y0;
    for (let c = 0; c < side; c++) {
      const [x0, x1, dx] = [x0s[c]!, x1s[c]!, dxs[c]!];
      for (let ch = 0; ch < 3; ch++) {
        const a = px(top, x0, ch);
        const upper = a + (px(top, x1, ch) - a) * dx;
        const b = px(bottom, x0, ch);
        const lower = b + (px(bottom, x1, ch) - b) * dx;
        out[o++] = upper + (lower - upper) * dy;
      }
    }
  }
}
