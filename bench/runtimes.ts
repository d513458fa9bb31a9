/**
 * bench/runtimes: is tfjs-wasm itself the limit of the face engine (issue
 * #22)? The SSD detector's MobileNetV1 backbone, which runs once per tile
 * and dominates the "boxes" stage, built twice with the same random weights
 * and 512 × 512 input: in tfjs on the wasm backend FindMe uses (SIMD, one
 * thread, fused conv + bias + ReLU), and as an ONNX graph built in code, run
 * by onnxruntime-node on one thread. The cost of a convolution does not
 * depend on its weights' values, so random weights measure the runtime alone.
 *
 * onnxruntime-node (247 MB, with its CPU library) is not a dependency of
 * FindMe; install it for this measurement only, without its download script:
 *
 *   npm install --no-save --ignore-scripts onnxruntime-node@1.23 protobufjs@7
 *   npm run codegen && npx tsc -p tsconfig.json && node dist/bench/runtimes.js
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const SIZE = 512;
const RUNS = 20;
/** MobileNetV1 after its first convolution: (pointwise channels, stride) of each depthwise-separable block. */
const BLOCKS: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1]];

/** The subset of onnx.proto (field numbers as ONNX defines them) a graph of convolutions needs. */
const ONNX_PROTO = `
syntax = "proto3";
package onnx;
message ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4; repeated AttributeProto attribute = 5; }
message AttributeProto { string name = 1; float f = 2; int64 i = 3; repeated int64 ints = 8; int32 type = 20; }
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message TypeProto { Tensor tensor_type = 1; message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; } }
message TensorShapeProto { repeated Dimension dim = 1; message Dimension { int64 dim_value = 1; } }
`;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;
const FLOAT = 1;

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
function onnxModel(protobuf: { parse(source: string): { root: { lookupType(name: string): { create(o: object): object; encode(m: object): { finish(): Uint8Array } } } } }, net: Layer[]): Uint8Array {
  const nodes: object[] = [];
  const initializer: object[] = [];
  let current = 'input';
  net.forEach((l, i) => {
    const name = `l${i}`;
    // ONNX wants [out, in / group, k, k]; the same values serve, only their order differs, which costs nothing here.
    initializer.push({ name: `${name}_w`, dims: [l.outChannels, l.depthwise ? 1 : l.inChannels, l.kernel, l.kernel], dataType: FLOAT, rawData: Buffer.from(l.weights.buffer) });
    initializer.push({ name: `${name}_b`, dims: [l.outChannels], dataType: FLOAT, rawData: Buffer.from(l.bias.buffer) });
    const pad = (l.kernel - 1) / 2;
    nodes.push({
      name,
      opType: 'Conv',
      input: [current, `${name}_w`, `${name}_b`],
      output: [`${name}_conv`],
      attribute: [
        { name: 'kernel_shape', ints: [l.kernel, l.kernel], type: ATTRIBUTE_INTS },
        { name: 'strides', ints: [l.stride, l.stride], type: ATTRIBUTE_INTS },
        { name: 'pads', ints: [pad, pad, pad, pad], type: ATTRIBUTE_INTS },
        { name: 'group', i: l.depthwise ? l.inChannels : 1, type: ATTRIBUTE_INT },
      ],
    });
    nodes.push({ name: `${name}_relu`, opType: 'Relu', input: [`${name}_conv`], output: [`${name}_out`] });
    current = `${name}_out`;
  });
  const value = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } });
  const last = net.at(-1)!;
  const Model = protobuf.parse(ONNX_PROTO).root.lookupType('onnx.ModelProto');
  return Model.encode(
    Model.create({
      irVersion: 8,
      producerName: 'findme-bench',
      opsetImport: [{ domain: '', version: 13 }],
      graph: { name: 'mobilenet_v1', node: nodes, initializer, input: [value('input', [1, 3, SIZE, SIZE])], output: [value(current, [1, last.outChannels, SIZE / 32, SIZE / 32])] },
    }),
  ).finish();
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

  const load = async (name: string): Promise<unknown> => import(name).catch(() => null);
  const ort = (await load('onnxruntime-node')) as null | {
    InferenceSession: { create(model: Uint8Array, options: object): Promise<{ run(feeds: object): Promise<unknown> }> };
    Tensor: new (type: string, data: Float32Array, dims: number[]) => object;
  };
  const protobuf = (await load('protobufjs')) as null | { default?: unknown };
  if (!ort || !protobuf) {
    lines.push('onnxruntime-node: not installed (npm install --no-save --ignore-scripts onnxruntime-node@1.23 protobufjs@7)');
  } else {
    const model = onnxModel((protobuf.default ?? protobuf) as Parameters<typeof onnxModel>[0], net);
    const input = new ort.Tensor('float32', random(3 * SIZE * SIZE, 1), [1, 3, SIZE, SIZE]);
    for (const threads of [1, 2]) {
      const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
      const ortMs = await timed(() => session.run({ input }));
      lines.push(
        threads === 1
          ? `onnxruntime-node (CPU), 1 thread: ${ortMs.toFixed(1)} ms → ${(tfjsMs / ortMs).toFixed(2)}× faster than tfjs wasm on the same core`
          : `onnxruntime-node (CPU), ${threads} threads on one pass: ${ortMs.toFixed(1)} ms (latency; the engine runs one pass per core instead)`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
