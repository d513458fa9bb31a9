/**
 * bench/runtimes: is tfjs-wasm itself the limit of the face engine (issue
 * #22)? The SSD detector's MobileNetV1 backbone, which runs once per tile
 * and dominates the "boxes" stage, built twice with the same random weights
 * and 512 × 512 input: in tfjs on the wasm backend FindMe uses (SIMD, one
 * thread, fused conv + bias + ReLU), and as an ONNX graph built in code, run
 * by onnxruntime-node on one thread. The cost of a convolution does not
 * depend on its weights' values, so random weights measure the runtime alone.
 *
 * Then the same graph in 8 bits, as the engine's tiles and bands run the
 * detector. These measurements chose the runtime: the face engine runs
 * face-api's networks on onnxruntime-node (src/adapters/faces/local/face-nets.ts).
 *
 *   npm run bench:runtimes
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { OnnxGraph } from '../src/adapters/faces/local/onnx-graph.js';

const SIZE = 512;
const RUNS = 20;
/** MobileNetV1 after its first convolution: (pointwise channels, stride) of each depthwise-separable block. */
const BLOCKS: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1]];

interface Layer {
  depthwise: boolean;
  kernel: number;
  stride: number;
  inChannels: number;
  outChannels: number;
  weights: Float32Array;
  bias: Float32Array;
}

const random = (n: number, scale: number) => Float32Array.from({ length: n }, () => (Math.random() - 0.5) * scale);

function layers(): Layer[] {
  const out: Layer[] = [];
  let channels = 3;
  const add = (outChannels: number, kernel: number, stride: number, depthwise: boolean) => {
    const perFilter = depthwise ? 1 : channels;
    out.push({ depthwise, kernel, stride, inChannels: channels, outChannels, weights: random(outChannels * perFilter * kernel * kernel, 0.2), bias: random(outChannels, 0.1) });
    channels = outChannels;
  };
  add(32, 3, 2, false);
  for (const [pointwise, stride] of BLOCKS) {
    add(channels, 3, stride, true);
    add(pointwise, 1, 1, false);
  }
  return out;
}

/** The network as ONNX: Conv (groups for depthwise) and Relu, weights as initializers, NCHW. */
function onnxModel(net: Layer[]): Uint8Array {
  const g = new OnnxGraph('mobilenet_v1');
  // ONNX wants [out, in / group, k, k]; the same values serve, only their order differs, which costs nothing here.
  const x = net.reduce(
    (current, l) => g.op('Relu', [g.conv(current, l.weights, [l.outChannels, l.depthwise ? 1 : l.inChannels, l.kernel, l.kernel], l.bias, { stride: l.stride, padding: 'same', group: l.depthwise ? l.inChannels : 1 })]),
    'image',
  );
  g.alias(x, 'features');
  return g.encode({ name: 'image', dims: [1, 3, SIZE, SIZE] }, [{ name: 'features', dims: [1, net.at(-1)!.outChannels, SIZE / 32, SIZE / 32] }]);
}

/**
 * The same network in 8 bits, as the engine's tiles run it: QLinearConv with
 * per-channel int8 weights and byte activations (the real detector's are
 * ReLU6, so 6/255 a step). Random weights again: the cost is the runtime's.
 */
function quantizedModel(net: Layer[]): Uint8Array {
  const g = new OnnxGraph('mobilenet_v1_int8');
  const scale = g.constant([6 / 255], []);
  const zero = g.quantized(Uint8Array.of(0), []);
  let x = { name: 'image', scale: g.constant([1 / 127.5], []), zero: g.quantized(Uint8Array.of(128), []) };
  for (const l of net) {
    const perFilter = l.depthwise ? 1 : l.inChannels;
    const weights = Int8Array.from(l.weights, (v) => Math.round(v * 600));
    const name = g.op(
      'QLinearConv',
      [x.name, x.scale, x.zero, g.quantized(weights, [l.outChannels, perFilter, l.kernel, l.kernel]), g.constant(new Float32Array(l.outChannels).fill(0.001), [l.outChannels]), g.quantized(new Int8Array(l.outChannels), [l.outChannels]), scale, zero, g.quantized(Int32Array.from(l.bias, (v) => Math.round(v * 1000)), [l.outChannels])],
      { kernel_shape: [l.kernel, l.kernel], strides: [l.stride, l.stride], auto_pad: 'SAME_UPPER', group: l.depthwise ? l.inChannels : 1 },
    );
    x = { name, scale, zero };
  }
  g.alias(g.op('DequantizeLinear', [x.name, scale, zero]), 'features');
  return g.encode({ name: 'image', dims: [1, 3, SIZE, SIZE], uint8: true }, [{ name: 'features', dims: [1, net.at(-1)!.outChannels, SIZE / 32, SIZE / 32] }]);
}

async function timed(run: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 3; i++) await run();
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) await run();
  return (performance.now() - started) / RUNS;
}

async function main(): Promise<void> {
  const net = layers();
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const filters = net.map((l) => ({ l, filter: tf.tensor4d(l.weights, [l.kernel, l.kernel, l.inChannels, l.depthwise ? 1 : l.outChannels]), bias: tf.tensor1d(l.bias) }));
  const image = tf.tensor4d(random(SIZE * SIZE * 3, 1), [1, SIZE, SIZE, 3]);
  const tfjsMs = await timed(() =>
    tf.tidy(() => {
      let x: tf.Tensor4D = image;
      for (const { l, filter, bias } of filters) {
        x = l.depthwise
          ? tf.fused.depthwiseConv2d({ x, filter, strides: l.stride, pad: 'same', bias, activation: 'relu' })
          : tf.fused.conv2d({ x, filter, strides: l.stride, pad: 'same', bias, activation: 'relu' });
      }
      return x.dataSync();
    }),
  );
  const lines = [`MobileNetV1 (the SSD detector's backbone), ${SIZE} × ${SIZE}, mean of ${RUNS} runs after 3 warm-ups`];
  lines.push(`tfjs wasm backend (SIMD ${simd ? 'on' : 'off'}, multi-threaded build ${threads ? 'available' : 'not available in Node here'}), 1 thread: ${tfjsMs.toFixed(1)} ms`);

  {
    const model = onnxModel(net);
    const input = new ort.Tensor('float32', random(3 * SIZE * SIZE, 1), [1, 3, SIZE, SIZE]);
    for (const threads of [1, 2]) {
      const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
      const ortMs = await timed(() => session.run({ image: input }));
      lines.push(
        threads === 1
          ? `onnxruntime-node (CPU), 1 thread: ${ortMs.toFixed(1)} ms → ${(tfjsMs / ortMs).toFixed(2)}× faster than tfjs wasm on the same core`
          : `onnxruntime-node (CPU), ${threads} threads on one pass: ${ortMs.toFixed(1)} ms (latency; the engine runs one pass per core instead)`,
      );
    }
  }
  {
    const session = await ort.InferenceSession.create(quantizedModel(net), { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    const input = new ort.Tensor('uint8', Uint8Array.from({ length: 3 * SIZE * SIZE }, () => Math.floor(Math.random() * 256)), [1, 3, SIZE, SIZE]);
    const int8Ms = await timed(() => session.run({ image: input }));
    lines.push(`onnxruntime-node (CPU), 8 bits (QLinearConv, as the engine's tiles run), 1 thread: ${int8Ms.toFixed(1)} ms → ${(tfjsMs / int8Ms).toFixed(2)}× faster than tfjs wasm`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
