import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeParts, type DetectResult } from '../../src/adapters/faces/local/face-model.js';
import { TextureMap } from '../../src/adapters/faces/local/tiling.js';

/** A grey RGB image with `noise` (0 = flat) inside the given rectangles. */
function image(width: number, height: number, textured: { x: number; y: number; width: number; height: number }[]): Buffer {
  const rgb = Buffer.alloc(width * height * 3, 128);
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 255;
  for (const r of textured) {
    for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) rgb.fill(Math.round(random()), (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return rgb;
}

describe('where the detector looks in a big photo (tiling)', () => {
  it('should look nowhere on a flat image', () => {
    const map = new TextureMap(image(1536, 1024, []), 1536, 1024);
    assert.deepEqual(map.tiles(512, 82), []);
  });

  it('should give a group of people on a plain background one tile of its own', () => {
    const map = new TextureMap(image(1536, 1024, [{ x: 600, y: 300, width: 200, height: 150 }]), 1536, 1024);
    const tiles = map.tilesPerCluster(512, 82);
    assert.equal(tiles?.length, 1);
    const [t] = tiles!;
    assert.ok(t!.x <= 600 && t!.y <= 300 && t!.x + t!.width >= 800 && t!.y + t!.height >= 450, JSON.stringify(t));
  });

  it('should cover a crowd with the grid, and skip what faces already found cover', () => {
    const crowd = new TextureMap(image(1536, 1024, [{ x: 0, y: 0, width: 1536, height: 1024 }]), 1536, 1024);
    assert.equal(crowd.tilesPerCluster(512, 82), null);
    const grid = crowd.tiles(512, 82);
    assert.equal(grid.length, 4 * 3);
    crowd.cover([{ x: 0, y: 0, width: 1536, height: 600 }]);
    assert.ok(crowd.tiles(512, 82).length < grid.length);
  });
});

describe('one result from the parts of a photo analysed on several threads', () => {
  const face = (left: number, top: number, score: number) => ({ box: { left, top, width: 0.02, height: 0.03 }, score, descriptor: new Float32Array(128) });
  const part = (faces: DetectResult['faces'], tiles: number, timings = { decode: 400, boxes: 3000, descriptors: 900 }): DetectResult => ({ width: 6000, height: 4000, faces, sharpness: [], tiles, timings });

  it('should count a face on the border of two bands once (the surer), and keep every other', () => {
    const merged = mergeParts([part([face(0.1, 0.1, 0.9), face(0.5, 0.49, 0.7)], 18), part([face(0.501, 0.492, 0.8), face(0.7, 0.8, 0.6)], 18)]);
    assert.equal(merged.tiles, 36);
    assert.deepEqual(
      merged.faces.map((f) => [f.box.left, f.score]),
      [
        [0.1, 0.9],
        [0.501, 0.8],
        [0.7, 0.6],
      ],
    );
  });

  it("should time each stage by its slowest part, since the parts run at the same time", () => {
    const merged = mergeParts([part([], 18, { decode: 410, boxes: 2900, descriptors: 1200 }), part([], 18, { decode: 390, boxes: 3300, descriptors: 700 })]);
    assert.deepEqual(merged.timings, { decode: 410, boxes: 3300, descriptors: 1200 });
  });
});
