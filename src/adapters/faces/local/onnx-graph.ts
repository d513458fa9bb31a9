/**
 * A small builder of ONNX graphs written in code: the face engine builds its
 * networks from the weights @vladmandic/face-api ships (never a downloaded
 * model file) and hands them to onnxruntime-node, which runs convolutions
 * several times faster than tfjs on WebAssembly (bench/runtimes).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The subset of onnx.proto (field numbers as ONNX defines them) these graphs need. */
const ONNX_PROTO = `
syntax = "proto3";
package onnx;
message ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4; repeated AttributeProto attribute = 5; }
message AttributeProto { string name = 1; float f = 2; int64 i = 3; bytes s = 4; repeated int64 ints = 8; int32 type = 20; }
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message TypeProto { Tensor tensor_type = 1; message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; } }
message TensorShapeProto { repeated Dimension dim = 1; message Dimension { int64 dim_value = 1; string dim_param = 2; } }
`;

/** ONNX's AttributeProto.AttributeType and TensorProto.DataType values used here. */
const ATTRIBUTE = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;
const DATA = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
/** The operator set the graphs are written against. */
const OPSET = 13;

type Attribute = number | number[] | string | { float: number };

interface ProtoType {
  create(o: object): object;
  encode(m: object): { finish(): Uint8Array };
}

let modelType: ProtoType | null = null;
function modelProto(): ProtoType {
  if (!modelType) {
    const protobuf = require('protobufjs') as { parse(source: string): { root: { lookupType(name: string): ProtoType } } };
    modelType = protobuf.parse(ONNX_PROTO).root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** A dimension: a fixed size, or a name for one the caller chooses per run (the batch). */
export type Dim = number | string;

export class OnnxGraph {
  private readonly nodes: object[] = [];
  private readonly initializers: object[] = [];
  private count = 0;

  constructor(private readonly name: string) {}

  /** A float tensor the graph holds (weights, biases, constants); returns its name. */
  constant(data: Float32Array | number[], dims: number[]): string {
    const name = this.fresh('c');
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    this.initializers.push({ name, dims, dataType: DATA.FLOAT, rawData: Buffer.from(values.buffer, values.byteOffset, values.byteLength) });
    return name;
  }

  /** An 8-bit or int32 tensor (quantized weights, zero points and biases). */
  quantized(values: Uint8Array | Int8Array | Int32Array, dims: number[]): string {
    const name = this.fresh('q');
    const dataType = values instanceof Uint8Array ? DATA.UINT8 : values instanceof Int8Array ? DATA.INT8 : DATA.INT32;
    this.initializers.push({ name, dims, dataType, rawData: Buffer.from(values.buffer, values.byteOffset, values.byteLength) });
    return name;
  }

  /** An int64 tensor (shapes and pads for Reshape and Pad). */
  ints(values: number[]): string {
    const name = this.fresh('i');
    this.initializers.push({ name, dims: [values.length], dataType: DATA.INT64, rawData: Buffer.from(BigInt64Array.from(values.map(BigInt)).buffer) });
    return name;
  }

  /** One operator; returns the name of its (first) output. */
  op(type: string, inputs: string[], attributes: Record<string, Attribute> = {}): string {
    const output = this.fresh(type.toLowerCase());
    this.nodes.push({
      name: output,
      opType: type,
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  /** Names a value for the graph's callers (an output): an Identity node. */
  alias(from: string, to: string): void {
    this.nodes.push({ name: to, opType: 'Identity', input: [from], output: [to] });
  }

  /**
   * A 2-D convolution with TensorFlow's padding rules ('same': the extra pixel
   * at the end, as tfjs does; 'valid': none). Weights in ONNX order
   * [out, in / group, kh, kw].
   */
  conv(x: string, weights: Float32Array, dims: [number, number, number, number], bias: Float32Array | null, options: { stride: number; padding: 'same' | 'valid'; group?: number }): string {
    const inputs = [x, this.constant(weights, dims)];
    if (bias) inputs.push(this.constant(bias, [dims[0]]));
    return this.op('Conv', inputs, {
      kernel_shape: [dims[2], dims[3]],
      strides: [options.stride, options.stride],
      auto_pad: options.padding === 'same' ? 'SAME_UPPER' : 'VALID',
      group: options.group ?? 1,
    });
  }

  /** The model as bytes for onnxruntime's InferenceSession.create. */
  encode(input: { name: string; dims: Dim[]; uint8?: boolean }, outputs: { name: string; dims: Dim[] }[]): Uint8Array {
    const value = (name: string, dims: Dim[], uint8 = false) => ({
      name,
      type: { tensorType: { elemType: uint8 ? DATA.UINT8 : DATA.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
    });
    const Model = modelProto();
    return Model.encode(
      Model.create({
        irVersion: 8,
        producerName: 'findme',
        opsetImport: [{ domain: '', version: OPSET }],
        graph: {
          name: this.name,
          node: this.nodes,
          initializer: this.initializers,
          input: [value(input.name, input.dims, input.uint8)],
          output: outputs.map((o) => value(o.name, o.dims)),
        },
      }),
    ).finish();
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.count++}`;
  }
}

function attribute(name: string, value: Attribute): object {
  if (typeof value === 'string') return { name, s: Buffer.from(value), type: ATTRIBUTE.STRING };
  if (Array.isArray(value)) return { name, ints: value, type: ATTRIBUTE.INTS };
  if (typeof value === 'object') return { name, f: value.float, type: ATTRIBUTE.FLOAT };
  return { name, i: value, type: ATTRIBUTE.INT };
}
