import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { photoTurn, turnBack, turnBox, type Box } from '../../src/adapters/faces/local/boxes.js';

const face = (x: number, y: number, score: number, turn?: Box['turn']): Box => ({ box: { x, y, width: 40, height: 50 }, score, ...(turn ? { turn } : {}) });

describe('turns of a photo stored sideways or upside down (boxes)', () => {
  it('should bring a box found on a turned copy back where it is in the photo', () => {
    const photo = { width: 600, height: 400 };
    const box = { x: 100, y: 50, width: 40, height: 60 };
    for (const turn of [90, 180, 270] as const) assert.deepEqual(turnBack(turnBox(box, turn, photo), turn, photo), box, `${turn}°`);
    // A quarter clockwise: the top left corner goes to the top right.
    assert.deepEqual(turnBox({ x: 0, y: 0, width: 10, height: 20 }, 90, photo), { x: 380, y: 0, width: 20, height: 10 });
    assert.deepEqual(turnBox({ x: 0, y: 0, width: 10, height: 20 }, 180, photo), { x: 590, y: 380, width: 10, height: 20 });
  });

  it('should stand a photo the way most of its faces are surest, and upright when in doubt', () => {
    const upright = [face(0, 0, 0.95), face(100, 0, 0.9), face(200, 0, 0.85)];
    // The same faces seen turned, less surely: upright.
    assert.equal(photoTurn(upright, [face(0, 0, 0.92, 90), face(100, 0, 0.8, 90)]), 0);
    // Surer turned a quarter for two of three: the photo lies on its side.
    assert.equal(photoTurn(upright, [face(0, 0, 0.99, 270), face(100, 0, 0.97, 270)]), 270);
    // One face each way: upright.
    assert.equal(photoTurn([face(0, 0, 0.9)], [face(300, 0, 0.9, 180)]), 0);
    // Nothing found: upright.
    assert.equal(photoTurn([], []), 0);
  });
});
