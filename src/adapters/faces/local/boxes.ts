/**
 * The geometry of face boxes before they are described: overlap and
 * suppression, the head around a large face, and the turns of a photo stored
 * sideways or upside down (where a box lands, which way the photo stands).
 * Pure functions, in pixels of the analysed image.
 */

/** Degrees clockwise that turn a photo (or a face) upright. */
export type Turn = 90 | 180 | 270;

/** A detection before it is described. */
export interface Box {
  /** Box in pixels of the analysed (rotated) image. */
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** Found in a tile: where the whole-image pass found the same face, its box is kept. */
  fromTile?: boolean;
  /** Degrees clockwise that turn the face upright: found on a copy of the photo turned that way. */
  turn?: Turn;
}

/**
 * Which way the photo stands (degrees clockwise that turn it upright), from
 * the quick looks at it as it is and turned: each face found votes for the
 * view that found it surest. The detector finds many faces lying sideways
 * too, often above 0.9, but turned upright they score higher still; an
 * upright face scores highest as it is. Upright unless a turn wins more faces.
 */
export function photoTurn(upright: Box[], turned: Box[]): 0 | Turn {
  const views: Box[] = [...upright.map(({ box, score }) => ({ box, score })), ...turned].sort((a, b) => b.score - a.score);
  const votes = { 0: 0, 90: 0, 180: 0, 270: 0 };
  const seen: Box[] = [];
  for (const face of views) {
    if (seen.some((s) => overlap(s.box, face.box) > 0.3)) continue;
    seen.push(face);
    votes[face.turn ?? 0]++;
  }
  const best = ([90, 180, 270] as const).reduce((a, b) => (votes[b] > votes[a] ? b : a));
  return votes[best] > votes[0] ? best : 0;
}

/** Where a box of an image (`image` its size) lands when the image is turned `turn` degrees clockwise. */
export function turnBox(box: Box['box'], turn: Turn, image: { width: number; height: number }): Box['box'] {
  if (turn === 90) return { x: image.height - box.y - box.height, y: box.x, width: box.height, height: box.width };
  if (turn === 180) return { x: image.width - box.x - box.width, y: image.height - box.y - box.height, width: box.width, height: box.height };
  return { x: box.y, y: image.width - box.x - box.width, width: box.height, height: box.width };
}

/** A box found on the image turned `turn` degrees clockwise, back in the image's own pixels (`image` its unturned size). */
export function turnBack(box: Box['box'], turn: Turn, image: { width: number; height: number }): Box['box'] {
  const turned = turn === 180 ? image : { width: image.height, height: image.width };
  return turnBox(box, (360 - turn) as Turn, turned);
}

export function scaleBox(box: Box['box'], k: number): Box['box'] {
  return { x: box.x * k, y: box.y * k, width: box.width * k, height: box.height * k };
}

/**
 * Non-maximum suppression across tiles: overlapping boxes are one face. The
 * whole-image pass's box wins (it sees a large face whole, where a tile's view
 * may be partial); among tiles, the surest.
 */
export function suppress(faces: Box[]): Box[] {
  const sorted = [...faces].sort((a, b) => Number(a.fromTile ?? false) - Number(b.fromTile ?? false) || b.score - a.score);
  const kept: Box[] = [];
  for (const face of sorted) if (!kept.some((k) => overlap(k.box, face.box) > 0.3)) kept.push(face);
  return kept;
}

/** A detection below this score, beside a face over twice its height, may be that head's ear or hand. */
const BESIDE_HEAD_MAX_SCORE = 0.7;

/**
 * A small, unsure detection inside the head around a much larger face (its
 * box widened by half its width on each side, a quarter of its height above
 * and below): the ear of a large face in a dev group photo scored 0.48–0.58
 * in a pass at the tiles' scale. Only detections under 0.7 are dropped, so a
 * clear face beside a larger one stays. In a photo lying sideways the head
 * reaches along the other axis.
 */
export function partOfLargerHead(face: Box, all: Box[], sideways: boolean): boolean {
  if (face.score >= BESIDE_HEAD_MAX_SCORE) return false;
  const b = face.box;
  return all.some((other) => {
    const o = other.box;
    if (other === face || (sideways ? o.width < 2 * b.width : o.height < 2 * b.height)) return false;
    const head = sideways
      ? { x: o.x - o.width / 4, y: o.y - o.height / 2, width: o.width * 1.5, height: o.height * 2 }
      : { x: o.x - o.width / 2, y: o.y - o.height / 4, width: o.width * 2, height: o.height * 1.5 };
    const x = Math.max(0, Math.min(b.x + b.width, head.x + head.width) - Math.max(b.x, head.x));
    const y = Math.max(0, Math.min(b.y + b.height, head.y + head.height) - Math.max(b.y, head.y));
    return x * y >= 0.5 * b.width * b.height;
  });
}

export function overlap(a: Box['box'], b: Box['box']): number {
  const x = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const y = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = x * y;
  // Intersection over the smaller box: a half face at a tile edge inside a whole one counts as the same face.
  return inter / Math.min(a.width * a.height, b.width * b.height);
}

export function clampBox(box: Box['box'], width: number, height: number): Box['box'] {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  return { x, y, width: Math.max(1, Math.min(width, box.x + box.width) - x), height: Math.max(1, Math.min(height, box.y + box.height) - y) };
}
