/**
 * The face engine's networks on onnxruntime give what face-api's own give on
 * TensorFlow.js: the same faces with the same scores, the same 68 landmarks
 * and the same descriptors, on the dev group photos. The graphs are built in
 * code from face-api's weights, so a wrong layer, padding or folded batch
 * norm shows here first.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { loadFaceApi } from '../src/adapters/faces/local/face-model.js';
import { FaceNets, LANDMARK_SIDE, RECOGNITION_SIDE, SSD_SIDE, ssdDetections } from '../src/adapters/faces/local/face-nets.js';
import { writeNetInput } from '../src/adapters/faces/local/net-input.js';
import { devGroupPhoto } from './support/images.js';

const require = createRequire(import.meta.url);
type Tf = typeof import('@tensorflow/tfjs');
type FaceApi = typeof import('@vladmandic/face-api');

describe('face networks on onnxruntime (parity with face-api on TensorFlow.js)', () => {
  let tf: Tf;
  let faceapi: FaceApi;
  let nets: FaceNets;

  before(async () => {
    ({ tf, faceapi } = await loadFaceApi());
    nets = await FaceNets.build(tf, faceapi, require('onnxruntime-node') as Parameters<typeof FaceNets.build>[2]);
  });

  const photo = async (n: 1 | 2 | 3 | 4 | 5) => {
    const { data, info } = await sharp(await devGroupPhoto(n)).rotate().resize(1024, 1024, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return tf.tensor3d(Int32Array.from(data), [info.height, info.width, 3], 'int32');
  };
  const values = (t: unknown) => {
    const tensor = t as import('@tensorflow/tfjs').Tensor;
    const out = tensor.dataSync() as Float32Array;
    tensor.dispose();
    return out;
  };

  it('should build each net’s input from raw pixels as face-api’s tensors do: cut, padded square, bilinear resize, mirror', async () => {
    const { data, info } = await sharp(await devGroupPhoto(2)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = tf.tensor3d(Float32Array.from(data), [info.height, info.width, 3]);
    const cases = [
      { box: { x: 10, y: 20, width: 97, height: 131 }, side: 112, centre: true },
      { box: { x: 300, y: 40, width: 151, height: 88 }, side: 150, centre: true, mirror: true },
      { box: { x: 0, y: 0, width: info.width, height: info.height }, side: 512, centre: false },
      { box: { x: 200, y: 100, width: 60, height: 60 }, side: 150, centre: true },
    ];
    for (const c of cases) {
      const [face] = await faceapi.extractFaceTensors(image as never, [new faceapi.Rect(c.box.x, c.box.y, c.box.width, c.box.height)]);
      const source = c.mirror ? tf.reverse(face as never, 1) : face;
      const expected = values(new faceapi.NetInput([source as never]).toBatchTensor(c.side, c.centre));
      const ours = new Float32Array(c.side * c.side * 3);
      writeNetInput({ data, width: info.width, height: info.height }, c.box, c.side, { centre: c.centre, mirror: c.mirror }, ours);
      let worst = 0;
      expected.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours[i]!))));
      assert.ok(worst < 1e-3, `${JSON.stringify(c)}: within ${worst}`);
      (face as unknown as import('@tensorflow/tfjs').Tensor).dispose();
    }
    image.dispose();
  });

  it('should find the same faces, with the same scores, as face-api’s SSD', async () => {
    let compared = 0;
    for (const n of [1, 2, 3, 4, 5] as const) {
      const image = await photo(n);
      const expected = await faceapi.detectAllFaces(image as never, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3, maxResults: 200 }));
      const input = values((await faceapi.toNetInput(image as never)).toBatchTensor(SSD_SIDE, false));
      const found = ssdDetections(await nets.detect(input), 0.3, 200);
      const side = Math.max(...(image.shape.slice(0, 2) as number[]));
      image.dispose();
      assert.equal(found.length, expected.length, `photo ${n}: as many faces`);
      expected.forEach((e, i) => {
        const d = found[i]!;
        assert.ok(Math.abs(d.score - e.score) < 1e-3, `photo ${n}, face ${i}: score ${d.score} against ${e.score}`);
        for (const [ours, theirs] of [
          [d.left * side, e.box.x],
          [d.top * side, e.box.y],
          [(d.right - d.left) * side, e.box.width],
          [(d.bottom - d.top) * side, e.box.height],
        ] as const) {
          assert.ok(Math.abs(ours - theirs) < 0.5, `photo ${n}, face ${i}: box within half a pixel (${ours} against ${theirs})`);
        }
      });
      compared += expected.length;
    }
    assert.ok(compared >= 20, `${compared} faces compared`);
  });

  it('should find the same faces in 8 bits as in floating point, at any input size, with scores within a few hundredths', async () => {
    let compared = 0;
    let worst = 0;
    for (const n of [1, 2, 3, 4, 5] as const) {
      // 512 × 512 as face-api runs it, and a 1024 × 1536 band (the engine's crowd pass) of the same photo enlarged.
      const { data } = await sharp(await devGroupPhoto(n)).rotate().resize(SSD_SIDE, SSD_SIDE, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      // At 512 × 512 the anchors laid out for any size are face-api's own: the same boxes, in pixels.
      const relative = ssdDetections(await nets.detect(Float32Array.from(data)), 0.5, 200);
      const inPixels = ssdDetections(await nets.detectAnySize(Uint8Array.from(data), SSD_SIDE, SSD_SIDE, 'float'), 0.5, 200, { height: SSD_SIDE, width: SSD_SIDE });
      assert.equal(inPixels.length, relative.length);
      relative.forEach((r, i) => assert.ok(Math.abs(r.left * SSD_SIDE - inPixels[i]!.left) < 0.01 && Math.abs(r.bottom * SSD_SIDE - inPixels[i]!.bottom) < 0.01 && r.score === inPixels[i]!.score));
      const band = await sharp(await devGroupPhoto(n)).rotate().resize(1536, 1024, { fit: 'fill' }).removeAlpha().raw().toBuffer();
      for (const [pixels, height, width] of [[data, SSD_SIDE, SSD_SIDE], [band, 1024, 1536]] as const) {
        const [exact, small] = await Promise.all([nets.detectAnySize(Uint8Array.from(pixels), height, width, 'float'), nets.detectAnySize(Uint8Array.from(pixels), height, width, 'int8')]);
        const expected = ssdDetections(exact, 0.5, 200, { height, width });
        const found = ssdDetections(small, 0.3, 200, { height, width });
        for (const e of expected) {
          const match = found.find((d) => iou(d, e) > 0.7);
          assert.ok(match, `photo ${n} at ${width} × ${height}: the face at ${e.left.toFixed(0)}, ${e.top.toFixed(0)} (score ${e.score.toFixed(3)}) is found in 8 bits`);
          worst = Math.max(worst, Math.abs(match.score - e.score));
          compared++;
        }
      }
    }
    assert.ok(compared >= 40, `${compared} faces compared`);
    process.stdout.write(`# 8 bits against floating point: ${compared} faces, worst score difference ${worst.toFixed(3)}\n`);
    assert.ok(worst < 0.08, `scores within 0.08 of floating point's (worst ${worst.toFixed(3)})`);
  });

  it('should give the same landmarks and descriptors as face-api’s nets, one face or a batch', async () => {
    const image = await photo(4);
    const faces = await faceapi.detectAllFaces(image as never, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 })).withFaceLandmarks().withFaceDescriptors();
    assert.ok(faces.length >= 5);
    const crops = await faceapi.extractFaceTensors(image as never, faces.map((f) => f.detection));
    const aligned = await faceapi.extractFaceTensors(image as never, faces.map((f) => f.landmarks.align(null, { useDlibAlignment: true })));
    image.dispose();
    // One face at a time.
    for (const [i, crop] of crops.entries()) {
      const input = await faceapi.toNetInput(crop);
      const theirs = values(faceapi.nets.faceLandmark68Net.runNet(input));
      const ours = await nets.landmarks(values(input.toBatchTensor(LANDMARK_SIDE, true)), 1);
      assert.ok(theirs.every((v, k) => Math.abs(v - ours[k]!) < 1e-4), `face ${i}: the same 136 landmark values`);
      const [descriptor] = await nets.descriptors(values((await faceapi.toNetInput(aligned[i]!)).toBatchTensor(RECOGNITION_SIDE, true)), 1);
      assert.ok(faceapi.euclideanDistance(descriptor!, faces[i]!.descriptor) < 1e-3, `face ${i}: the same descriptor`);
    }
    // All at once: a batch gives each face its own descriptor.
    const batch = values((await faceapi.toNetInput(aligned)).toBatchTensor(RECOGNITION_SIDE, true));
    const described = await nets.descriptors(batch, aligned.length);
    described.forEach((d, i) => assert.ok(faceapi.euclideanDistance(d, faces[i]!.descriptor) < 1e-3, `batch face ${i}`));
    assert.ok(faceapi.euclideanDistance(described[0]!, described[1]!) > 0.3, 'two people stay apart');
    for (const t of [...crops, ...aligned]) t.dispose();
  });
});

function iou(a: { top: number; left: number; bottom: number; right: number }, b: { top: number; left: number; bottom: number; right: number }): number {
  const y = Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const x = Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left));
  const inter = x * y;
  return inter / ((a.bottom - a.top) * (a.right - a.left) + (b.bottom - b.top) * (b.right - b.left) - inter);
}
