/**
 * The face engine's networks on onnxruntime give what face-api's own give on
 * TensorFlow.js: the same faces with the same scores, the same 68 landmarks
 * and the same descriptors, on the dev group photos. The graphs are built in
 * code from face-api's weights, so a wrong layer, padding or folded batch
 * norm shows here first.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { FaceNets, LANDMARK_SIDE, RECOGNITION_SIDE, SSD_SIDE, ssdDetections } from '../src/adapters/faces/local/face-nets.js';
import { devGroupPhoto } from './support/images.js';

const require = createRequire(import.meta.url);
type Tf = typeof import('@tensorflow/tfjs');
type FaceApi = typeof import('@vladmandic/face-api');

describe('face networks on onnxruntime (parity with face-api on TensorFlow.js)', () => {
  let tf: Tf;
  let faceapi: FaceApi;
  let nets: FaceNets;

  before(async () => {
    tf = require('@tensorflow/tfjs') as Tf;
    require('@tensorflow/tfjs-backend-wasm');
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    await tf.setBackend('wasm');
    await tf.ready();
    const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
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
