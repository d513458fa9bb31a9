/** How a 128-d face descriptor is stored: float32 values as `bytea`. */

/** Reads float32 vectors as stored in `bytea`. */
export function toVector(bytes: Buffer | null | undefined): Float32Array | null {
  if (!bytes || bytes.length % 4 !== 0) return null;
  // Copy into an aligned buffer: a Buffer's offset need not be a multiple of 4.
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, copy.length / 4);
}

export function fromVector(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}
