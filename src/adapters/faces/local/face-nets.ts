/**
 * face-api's three networks (SSD MobileNet v1, 68 landmarks, the 128-d dlib
 * ResNet) as ONNX graphs built in code from the weights the package ships,
 * run by onnxruntime-node on one CPU thread. The layers are face-api's own
 * (src/ssdMobilenetv1, faceFeatureExtractor, faceRecognitionNet of the
 * package), with each batch norm and scale layer folded into the convolution
 * before it; the pre- and post-processing around the nets stays face-api's
 * (face-model.ts), so results match a face-api pass (test/face-nets.test.ts).
 */
import type * as Ort from 'onnxruntime-node';
import { OnnxGraph } from './onnx-graph.js';

type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;
type FaceApi = typeof import('@vladmandic/face-api');

/** The SSD's input side, and its batch norm epsilon (face-api's mobileNetV1.ts). */
export const SSD_SIDE = 512;
/** detectAnySize takes sides that are multiples of this: the feature maps then tile the image exactly. */
export const SSD_STRIDE = 64;
/** The SSD's six feature maps at 512 px: side, and anchors per cell. */
const SSD_MAPS: [number, number][] = [[32, 3], [16, 6], [8, 6], [4, 6], [2, 6], [1, 6]];
const BATCH_NORM_EPSILON = 0.0010000000474974513;
/** The landmark and recognition nets' input sides. */
export const LANDMARK_SIDE = 112;
export const RECOGNITION_SIDE = 150;
/** The mean colour the landmark and recognition nets subtract (face-api's normalize). */
const MEAN_RGB = [122.782, 117.001, 104.298];

/** Raw SSD output, per anchor: its box encoding and class logits. */
export interface SsdOutput {
  /** The anchors the encodings are relative to: [top, left, bottom, right] each. */
  anchors: Float32Array;
  /** Box encodings, 4 per anchor. */
  encodings: Float32Array;
  /** Class logits, 3 per anchor (background, face, unused). */
  classes: Float32Array;
}

export class FaceNets {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly ssd: Ort.InferenceSession,
    private readonly ssd8: Ort.InferenceSession,
    private readonly landmarkNet: Ort.InferenceSession,
    private readonly recognitionNet: Ort.InferenceSession,
    /** SSD anchors for its 512 × 512 input, [top, left, bottom, right] per anchor, 0..1 (face-api's output_layer/extra_dim). */
    readonly anchors: Float32Array,
  ) {}

  /** Anchors in pixels for an input of any size, by input size. */
  private readonly sized = new Map<string, Float32Array>();

  /**
   * Builds the three graphs from face-api's loaded nets, the detector twice
   * (in floating point, as face-api's own, and in 8 bits), and opens one
   * single-threaded session for each.
   */
  static async build(tf: Tf, faceapi: FaceApi, ort: typeof Ort): Promise<FaceNets> {
    const weights = new Weights(tf);
    const session: Ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
    const nets = faceapi.nets;
    const landmarkFeatures = (nets.faceLandmark68Net as unknown as { faceFeatureExtractor: { params: unknown } }).faceFeatureExtractor.params;
    const [ssd, ssd8, landmarks, recognition] = await Promise.all([
      ort.InferenceSession.create(ssdGraph(weights, nets.ssdMobilenetv1.params as unknown as SsdParams, false), session),
      ort.InferenceSession.create(ssdGraph(weights, nets.ssdMobilenetv1.params as unknown as SsdParams, true), session),
      ort.InferenceSession.create(landmarkGraph(weights, landmarkFeatures as LandmarkFeatureParams, nets.faceLandmark68Net.params as unknown as { fc: { weights: Tensor; bias: Tensor } }), session),
      ort.InferenceSession.create(recognitionGraph(weights, nets.faceRecognitionNet.params as unknown as RecognitionParams), session),
    ]);
    const anchors = weights.raw((nets.ssdMobilenetv1.params as unknown as SsdParams).output_layer.extra_dim);
    return new FaceNets(ort, ssd, ssd8, landmarks, recognition, anchors);
  }

  /** The detector on one 512 × 512 RGB image (0–255, row by row), as face-api runs it: anchors relative to the square. */
  async detect(pixels: Float32Array): Promise<SsdOutput> {
    return this.run(this.ssd, new this.ort.Tensor('float32', pixels, [1, SSD_SIDE, SSD_SIDE, 3]), this.anchors);
  }

  /**
   * The detector on an image of any size, both sides multiples of
   * SSD_STRIDE: the convolutions slide over it as over 512-px tiles laid
   * side by side, without their overlaps. Anchors (and so the boxes) in the
   * image's pixels. In 8 bits unless asked for floating point.
   */
  async detectAnySize(pixels: Uint8Array, height: number, width: number, precision: 'int8' | 'float' = 'int8'): Promise<SsdOutput> {
    const key = `${height}x${width}`;
    let anchors = this.sized.get(key);
    if (!anchors) {
      anchors = sizedAnchors(this.anchors, height, width);
      this.sized.set(key, anchors);
    }
    const dims = [1, height, width, 3];
    if (precision === 'int8') return this.run(this.ssd8, new this.ort.Tensor('uint8', pixels, dims), anchors);
    return this.run(this.ssd, new this.ort.Tensor('float32', Float32Array.from(pixels), dims), anchors);
  }

  private async run(session: Ort.InferenceSession, image: Ort.Tensor, anchors: Float32Array): Promise<SsdOutput> {
    const out = await session.run({ image });
    const encodings = out['boxes']!.data as Float32Array;
    if (encodings.length !== anchors.length) throw new Error(`SSD gave ${encodings.length / 4} boxes for ${anchors.length / 4} anchors`);
    return { anchors, encodings, classes: out['classes']!.data as Float32Array };
  }

  /** 136 values per face (x, y of 68 points, relative to the 112 × 112 input) for a batch of faces. */
  async landmarks(pixels: Float32Array, count: number): Promise<Float32Array> {
    const out = await this.landmarkNet.run({ image: new this.ort.Tensor('float32', pixels, [count, LANDMARK_SIDE, LANDMARK_SIDE, 3]) });
    return out['landmarks']!.data as Float32Array;
  }

  /** 128 values per face for a batch of aligned faces. */
  async descriptors(pixels: Float32Array, count: number): Promise<Float32Array[]> {
    const out = await this.recognitionNet.run({ image: new this.ort.Tensor('float32', pixels, [count, RECOGNITION_SIDE, RECOGNITION_SIDE, 3]) });
    const data = out['descriptor']!.data as Float32Array;
    return Array.from({ length: count }, (_, i) => data.slice(i * 128, (i + 1) * 128));
  }

  async release(): Promise<void> {
    await Promise.all([this.ssd.release(), this.ssd8.release(), this.landmarkNet.release(), this.recognitionNet.release()]);
  }
}

/** face-api's weights, read once and reordered for ONNX. */
class Weights {
  constructor(private readonly tf: Tf) {}

  raw(t: Tensor): Float32Array {
    return t.dataSync() as Float32Array;
  }

  /** A tfjs conv filter [kh, kw, in, out] as ONNX's [out, in, kh, kw]. */
  conv(t: Tensor): { data: Float32Array; dims: [number, number, number, number] } {
    const [kh, kw, inC, outC] = t.shape as [number, number, number, number];
    return { data: this.reordered(t, [3, 2, 0, 1]), dims: [outC, inC, kh, kw] };
  }

  /** A tfjs depthwise filter [kh, kw, in, 1] as ONNX's grouped [in, 1, kh, kw]. */
  depthwise(t: Tensor): { data: Float32Array; dims: [number, number, number, number] } {
    const [kh, kw, inC] = t.shape as [number, number, number, number];
    return { data: this.reordered(t, [2, 3, 0, 1]), dims: [inC, 1, kh, kw] };
  }

  /** The values transposed (not through tidy, which would walk the typed array it returns). */
  private reordered(t: Tensor, perm: number[]): Float32Array {
    const transposed = this.tf.transpose(t, perm);
    try {
      return transposed.dataSync() as Float32Array;
    } finally {
      transposed.dispose();
    }
  }
}

/** Each output channel's filter multiplied by its own factor (a folded batch norm or scale layer). */
function scaleFilters(filter: { data: Float32Array; dims: [number, number, number, number] }, factors: Float32Array): Float32Array {
  const per = filter.data.length / filter.dims[0];
  return filter.data.map((v, i) => v * factors[Math.floor(i / per)]!);
}

/** The graph's input: NHWC pixels (what tfjs gives), transposed to NCHW. */
function imageInput(g: OnnxGraph): string {
  return g.op('Transpose', ['image'], { perm: [0, 3, 1, 2] });
}

/** Subtract face-api's mean colour and divide by 255 (landmark and recognition nets). */
function normalizeMeanRgb(g: OnnxGraph, x: string): string {
  const centred = g.op('Sub', [x, g.constant(MEAN_RGB, [1, 3, 1, 1])]);
  return g.op('Mul', [centred, g.constant([1 / 255], [])]);
}

// ---------------------------------------------------------------- SSD MobileNet v1

interface PointwiseParams {
  filters: Tensor;
  batch_norm_offset: Tensor;
}
interface SsdParams {
  mobilenetv1: Record<string, PointwiseParams | { depthwise_conv: { filters: Tensor; batch_norm_scale: Tensor; batch_norm_offset: Tensor; batch_norm_mean: Tensor; batch_norm_variance: Tensor }; pointwise_conv: PointwiseParams }>;
  prediction_layer: Record<string, PointwiseParams | { box_encoding_predictor: { filters: Tensor; bias: Tensor }; class_predictor: { filters: Tensor; bias: Tensor } }>;
  output_layer: { extra_dim: Tensor };
}

/**
 * Input `image` [1, height, width, 3] (0–255; 512 × 512 as face-api runs
 * it); outputs `boxes` [1, anchors, 4] (encodings) and `classes` [1,
 * anchors, 3] (logits).
 *
 * `quantized`: the MobileNet and the extra layers in 8 bits (QLinearConv),
 * about three times faster on a CPU core. Every one of their outputs is
 * clipped to 0..6 (ReLU6), so 8 bits cover it exactly (a step of 6/255, the
 * clip being the 8 bits' own saturation) and no calibration is needed;
 * weights are 8-bit per output channel. The input is then the raw pixels as
 * bytes (uint8), and the box predictors stay in floating point.
 */
function ssdGraph(w: Weights, params: SsdParams, quantized: boolean): Uint8Array {
  const g = new OnnxGraph('ssd_mobilenetv1');
  type Filter = { data: Float32Array; dims: [number, number, number, number] };
  /** An activation: a float tensor, or bytes with their scale and zero point. */
  type Activation = { name: string; scale?: string; zero?: string; scaleValue?: number; shift?: number };
  const reluScale = 6 / 255;
  const quant = quantized ? { scale: g.constant([reluScale], []), zero: g.quantized(Uint8Array.of(0), []), weightZero: new Map<number, string>() } : null;
  const clip6 = (x: string) => g.op('Clip', [x, g.constant([0], []), g.constant([6], [])]);
  /** conv + bias, clipped to 0..6. */
  const layer = (x: Activation, f: Filter, bias: Float32Array, stride: number, group = 1): Activation => {
    if (!quant) return { name: clip6(g.conv(x.name, f.data, f.dims, bias, { stride, padding: 'same', group })) };
    const out = f.dims[0];
    const per = f.data.length / out;
    const weights = new Int8Array(f.data.length);
    const scales = new Float32Array(out);
    const biases = new Int32Array(out);
    for (let c = 0; c < out; c++) {
      let max = 0;
      let sum = 0;
      for (let k = c * per; k < (c + 1) * per; k++) {
        max = Math.max(max, Math.abs(f.data[k]!));
        sum += f.data[k]!;
      }
      scales[c] = max > 0 ? max / 127 : 1;
      for (let k = c * per; k < (c + 1) * per; k++) weights[k] = Math.round(f.data[k]! / scales[c]!);
      // The input's bytes may stand for values shifted by a constant (the pixels): the bias takes it back.
      biases[c] = Math.round((bias[c]! + (x.shift ?? 0) * sum) / (x.scaleValue! * scales[c]!));
    }
    let weightZero = quant.weightZero.get(out);
    if (!weightZero) quant.weightZero.set(out, (weightZero = g.quantized(new Int8Array(out), [out])));
    const name = g.op('QLinearConv', [x.name, x.scale!, x.zero!, g.quantized(weights, f.dims), g.constant(scales, [out]), weightZero, quant.scale, quant.zero, g.quantized(biases, [out])], {
      kernel_shape: [f.dims[2], f.dims[3]],
      strides: [stride, stride],
      auto_pad: 'SAME_UPPER',
      group,
    });
    return { name, scale: quant.scale, zero: quant.zero, scaleValue: reluScale };
  };
  // conv + batch_norm_offset, clipped to 0..6 (pointwiseConvLayer.ts)
  const pointwise = (x: Activation, p: PointwiseParams, stride: number) => layer(x, w.conv(p.filters), w.raw(p.batch_norm_offset), stride);
  let x: Activation;
  if (quant) {
    // Pixel v stands for v / 127.5 − 1; as a byte with zero point 128 it reads (v − 128) / 127.5, half a step low.
    x = { name: imageInput(g), scale: g.constant([1 / 127.5], []), zero: g.quantized(Uint8Array.of(128), []), scaleValue: 1 / 127.5, shift: 0.5 / 127.5 };
  } else {
    x = { name: g.op('Sub', [g.op('Mul', [imageInput(g), g.constant([1 / 127.5], [])]), g.constant([1], [])]) };
  }
  const net = params.mobilenetv1;
  x = pointwise(x, net['conv_0'] as PointwiseParams, 2);
  let conv11 = x;
  for (let i = 1; i <= 13; i++) {
    const block = net[`conv_${i}`] as Exclude<SsdParams['mobilenetv1'][string], PointwiseParams>;
    const bn = block.depthwise_conv;
    // tf.batchNorm folded: (x − mean) · scale / √(variance + ε) + offset
    const variance = w.raw(bn.batch_norm_variance);
    const mean = w.raw(bn.batch_norm_mean);
    const offset = w.raw(bn.batch_norm_offset);
    const factor = w.raw(bn.batch_norm_scale).map((s, c) => s / Math.sqrt(variance[c]! + BATCH_NORM_EPSILON));
    const f = w.depthwise(bn.filters);
    const bias = offset.map((o, c) => o - mean[c]! * factor[c]!);
    const stride = [2, 4, 6, 12].includes(i) ? 2 : 1;
    x = layer(x, { data: scaleFilters(f, factor), dims: f.dims }, bias, stride, f.dims[0]);
    x = pointwise(x, block.pointwise_conv, 1);
    if (i === 11) conv11 = x;
  }
  const pred = params.prediction_layer;
  const convs: Activation[] = [];
  let y = x;
  for (let i = 0; i < 8; i++) {
    y = pointwise(y, pred[`conv_${i}`] as PointwiseParams, i % 2 === 1 ? 2 : 1);
    convs.push(y);
  }
  // predictionLayer.ts: the six feature maps the boxes are predicted from, as floats
  const float = (a: Activation) => (a.scale ? g.op('DequantizeLinear', [a.name, a.scale, a.zero!]) : a.name);
  const maps = [conv11, x, convs[1]!, convs[3]!, convs[5]!, convs[7]!].map(float);
  const boxes: string[] = [];
  const classes: string[] = [];
  maps.forEach((map, i) => {
    const predictor = pred[`box_predictor_${i}`] as Exclude<SsdParams['prediction_layer'][string], PointwiseParams>;
    // NHWC order, as face-api reshapes: row, column, then anchor
    const head = (p: { filters: Tensor; bias: Tensor }, width: number) => {
      const f = w.conv(p.filters);
      const out = g.conv(map, f.data, f.dims, w.raw(p.bias), { stride: 1, padding: 'same' });
      return g.op('Reshape', [g.op('Transpose', [out], { perm: [0, 2, 3, 1] }), g.ints([1, -1, width])]);
    };
    boxes.push(head(predictor.box_encoding_predictor, 4));
    classes.push(head(predictor.class_predictor, 3));
  });
  const boxOut = g.op('Concat', boxes, { axis: 1 });
  const classOut = g.op('Concat', classes, { axis: 1 });
  return renamed(g, [
    [boxOut, 'boxes'],
    [classOut, 'classes'],
  ]).encode({ name: 'image', dims: [1, 'height', 'width', 3], uint8: quantized }, [
    { name: 'boxes', dims: [1, 'anchors', 4] },
    { name: 'classes', dims: [1, 'anchors', 3] },
  ]);
}

// ---------------------------------------------------------------- 68 landmarks

interface SeparableParams {
  depthwise_filter: Tensor;
  pointwise_filter: Tensor;
  bias: Tensor;
}
type DenseBlock = { conv0: SeparableParams | { filters: Tensor; bias: Tensor }; conv1: SeparableParams; conv2: SeparableParams; conv3: SeparableParams };
type LandmarkFeatureParams = Record<'dense0' | 'dense1' | 'dense2' | 'dense3', DenseBlock>;

/** Input `image` [N, 112, 112, 3] (0–255); output `landmarks` [N, 136]. */
function landmarkGraph(w: Weights, features: LandmarkFeatureParams, head: { fc: { weights: Tensor; bias: Tensor } }): Uint8Array {
  const g = new OnnxGraph('face_landmark_68');
  const separable = (x: string, p: SeparableParams, stride: number) => {
    const d = w.depthwise(p.depthwise_filter);
    const depthwise = g.conv(x, d.data, d.dims, null, { stride, padding: 'same', group: d.dims[0] });
    const pw = w.conv(p.pointwise_filter);
    return g.conv(depthwise, pw.data, pw.dims, w.raw(p.bias), { stride: 1, padding: 'same' });
  };
  const relu = (x: string) => g.op('Relu', [x]);
  const add = (...xs: string[]) => xs.reduce((a, b) => g.op('Add', [a, b]));
  // denseBlock4 of faceFeatureExtractor/denseBlock.ts
  const denseBlock = (x: string, p: DenseBlock, first: boolean) => {
    let out1: string;
    if (first) {
      const c = p.conv0 as { filters: Tensor; bias: Tensor };
      const f = w.conv(c.filters);
      out1 = relu(g.conv(x, f.data, f.dims, w.raw(c.bias), { stride: 2, padding: 'same' }));
    } else {
      out1 = relu(separable(x, p.conv0 as SeparableParams, 2));
    }
    const out2 = separable(out1, p.conv1, 1);
    const out3 = separable(relu(add(out1, out2)), p.conv2, 1);
    const out4 = separable(relu(add(out1, out2, out3)), p.conv3, 1);
    return relu(add(out1, out2, out3, out4));
  };
  let x = normalizeMeanRgb(g, imageInput(g));
  x = denseBlock(x, features.dense0, true);
  x = denseBlock(x, features.dense1, false);
  x = denseBlock(x, features.dense2, false);
  x = denseBlock(x, features.dense3, false);
  x = g.op('AveragePool', [x], { kernel_shape: [7, 7], strides: [2, 2] });
  const flat = g.op('Flatten', [x], { axis: 1 });
  const out = g.op('Gemm', [flat, g.constant(w.raw(head.fc.weights), head.fc.weights.shape as number[]), g.constant(w.raw(head.fc.bias), [136])]);
  return renamed(g, [[out, 'landmarks']]).encode({ name: 'image', dims: ['faces', LANDMARK_SIDE, LANDMARK_SIDE, 3] }, [{ name: 'landmarks', dims: ['faces', 136] }]);
}

// ---------------------------------------------------------------- 128-d recognition

interface ConvLayerParams {
  conv: { filters: Tensor; bias: Tensor };
  scale: { weights: Tensor; biases: Tensor };
}
type ResidualParams = { conv1: ConvLayerParams; conv2: ConvLayerParams };
type RecognitionParams = { conv32_down: ConvLayerParams; fc: Tensor } & Record<string, ResidualParams>;

/** Input `image` [N, 150, 150, 3] (0–255); output `descriptor` [N, 128]. */
function recognitionGraph(w: Weights, params: RecognitionParams): Uint8Array {
  const g = new OnnxGraph('face_recognition');
  let side = RECOGNITION_SIDE;
  // conv + bias, then the scale layer (x · weights + biases), folded into one convolution (faceRecognitionNet/convLayer.ts)
  const conv = (x: string, p: ConvLayerParams, stride: number, padding: 'same' | 'valid') => {
    const f = w.conv(p.conv.filters);
    const factor = w.raw(p.scale.weights);
    const shift = w.raw(p.scale.biases);
    const bias = w.raw(p.conv.bias).map((b, c) => b * factor[c]! + shift[c]!);
    return { out: g.conv(x, scaleFilters(f, factor), f.dims, bias, { stride, padding }), kernel: f.dims[2], channels: f.dims[0] };
  };
  const relu = (x: string) => g.op('Relu', [x]);
  const residual = (x: string, p: ResidualParams) => relu(g.op('Add', [conv(relu(conv(x, p.conv1, 1, 'same').out), p.conv2, 1, 'same').out, x]));
  // residualLayer.ts's residualDown: the shortcut is a 2 × 2 average pool with its channels doubled by zeros;
  // the strided 'valid' convolution's map gets a zero row and column when it comes out one smaller.
  const residualDown = (x: string, p: ResidualParams, inChannels: number) => {
    const first = conv(x, p.conv1, 2, 'valid');
    const convSide = Math.floor((side - first.kernel) / 2) + 1;
    const second = conv(relu(first.out), p.conv2, 1, 'same');
    const poolSide = Math.floor(side / 2);
    let out = second.out;
    if (convSide !== poolSide) out = g.op('Pad', [out, g.ints([0, 0, 0, 0, 0, 0, poolSide - convSide, poolSide - convSide])]);
    let pooled = g.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    if (inChannels !== second.channels) pooled = g.op('Pad', [pooled, g.ints([0, 0, 0, 0, 0, second.channels - inChannels, 0, 0])]);
    side = poolSide;
    return { out: relu(g.op('Add', [pooled, out])), channels: second.channels };
  };
  let x = normalizeMeanRgb(g, imageInput(g));
  const down = conv(x, params.conv32_down, 2, 'valid');
  side = Math.floor((side - down.kernel) / 2) + 1;
  x = relu(down.out);
  x = g.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2] });
  side = Math.floor((side - 3) / 2) + 1;
  let channels = down.channels;
  const stages: [string, 'down' | 'same'][] = [
    ['conv32_1', 'same'], ['conv32_2', 'same'], ['conv32_3', 'same'],
    ['conv64_down', 'down'], ['conv64_1', 'same'], ['conv64_2', 'same'], ['conv64_3', 'same'],
    ['conv128_down', 'down'], ['conv128_1', 'same'], ['conv128_2', 'same'],
    ['conv256_down', 'down'], ['conv256_1', 'same'], ['conv256_2', 'same'], ['conv256_down_out', 'down'],
  ];
  for (const [name, kind] of stages) {
    if (kind === 'same') x = residual(x, params[name]!);
    else ({ out: x, channels } = residualDown(x, params[name]!, channels));
  }
  const pooled = g.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const out = g.op('MatMul', [pooled, g.constant(w.raw(params.fc), params.fc.shape as number[])]);
  return renamed(g, [[out, 'descriptor']]).encode({ name: 'image', dims: ['faces', RECOGNITION_SIDE, RECOGNITION_SIDE, 3] }, [{ name: 'descriptor', dims: ['faces', 128] }]);
}

/** Gives the graph's outputs their public names (an Identity node per output). */
function renamed(g: OnnxGraph, outputs: [string, string][]): OnnxGraph {
  for (const [from, to] of outputs) g.alias(from, to);
  return g;
}

/** A detection: [top, left, bottom, right] in the anchors' units (0..1 of the square for 512-px input, else pixels), clipped to the image. */
export interface SsdDetection {
  score: number;
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/**
 * The anchors of detectAnySize for a height × width input, in pixels: each
 * feature map's cells laid over the whole image at that map's stride, with
 * the anchor shapes of the 512-px model (the same cell offset and sizes).
 */
export function sizedAnchors(square: Float32Array, height: number, width: number): Float32Array {
  const out: number[] = [];
  let base = 0;
  let [rows, cols] = [height / 16, width / 16];
  for (const [side, perCell] of SSD_MAPS) {
    const stride = SSD_SIDE / side;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        for (let a = 0; a < perCell; a++) {
          const i = (base + a) * 4;
          // The 512-px model's anchor in cell (0, 0), moved to cell (r, c).
          out.push(square[i]! * SSD_SIDE + r * stride, square[i + 1]! * SSD_SIDE + c * stride, square[i + 2]! * SSD_SIDE + r * stride, square[i + 3]! * SSD_SIDE + c * stride);
        }
      }
    }
    base += side * side * perCell;
    [rows, cols] = [Math.ceil(rows / 2), Math.ceil(cols / 2)];
  }
  return Float32Array.from(out);
}

/**
 * The SSD's faces: anchors decoded (outputLayer.ts), sigmoid scores above
 * `minConfidence`, then face-api's greedy non-maximum suppression at IoU 0.5
 * (ssdMobilenetv1/nonMaxSuppression.ts), surest first; boxes clipped to
 * `bounds` (1 × 1 for face-api's relative boxes).
 */
export function ssdDetections(out: SsdOutput, minConfidence: number, maxResults: number, bounds = { height: 1, width: 1 }): SsdDetection[] {
  const { anchors } = out;
  const count = anchors.length / 4;
  const candidates: { index: number; score: number }[] = [];
  for (let i = 0; i < count; i++) {
    const score = 1 / (1 + Math.exp(-out.classes[i * 3 + 1]!));
    if (score > minConfidence) candidates.push({ index: i, score });
  }
  candidates.sort((a, b) => b.score - a.score);
  const decoded = (i: number): [number, number, number, number] => {
    const [a0, a1, a2, a3] = [anchors[i * 4]!, anchors[i * 4 + 1]!, anchors[i * 4 + 2]!, anchors[i * 4 + 3]!];
    const [e0, e1, e2, e3] = [out.encodings[i * 4]!, out.encodings[i * 4 + 1]!, out.encodings[i * 4 + 2]!, out.encodings[i * 4 + 3]!];
    const sizeY = a2 - a0;
    const sizeX = a3 - a1;
    const centreY = (e0 / 10) * sizeY + (a0 + sizeY / 2);
    const centreX = (e1 / 10) * sizeX + (a1 + sizeX / 2);
    const halfY = (Math.exp(e2 / 5) * sizeY) / 2;
    const halfX = (Math.exp(e3 / 5) * sizeX) / 2;
    return [centreY - halfY, centreX - halfX, centreY + halfY, centreX + halfX];
  };
  const boxes = candidates.map((c) => decoded(c.index));
  const iou = (a: [number, number, number, number], b: [number, number, number, number]) => {
    const [ay0, ax0, ay1, ax1] = [Math.min(a[0], a[2]), Math.min(a[1], a[3]), Math.max(a[0], a[2]), Math.max(a[1], a[3])];
    const [by0, bx0, by1, bx1] = [Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3])];
    const areaA = (ay1 - ay0) * (ax1 - ax0);
    const areaB = (by1 - by0) * (bx1 - bx0);
    if (areaA <= 0 || areaB <= 0) return 0;
    const inter = Math.max(Math.min(ay1, by1) - Math.max(ay0, by0), 0) * Math.max(Math.min(ax1, bx1) - Math.max(ax0, bx0), 0);
    return inter / (areaA + areaB - inter);
  };
  const selected: number[] = [];
  const limit = Math.min(maxResults, count);
  for (let c = 0; c < candidates.length && selected.length < limit; c++) {
    if (selected.some((s) => iou(boxes[c]!, boxes[s]!) > 0.5)) continue;
    selected.push(c);
  }
  return selected.map((c) => {
    const [top, left, bottom, right] = boxes[c]!;
    return { score: candidates[c]!.score, top: Math.max(0, top), left: Math.max(0, left), bottom: Math.min(bounds.height, bottom), right: Math.min(bounds.width, right) };
  });
}
