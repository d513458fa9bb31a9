import type { FaceVector, FaceVectorSource } from '../../../ports/face-engine.js';

const DIM = 128;
// Transactions finishing late can commit faces stamped a little before we looked.
const CATCH_UP_MARGIN_MS = 120_000;

class EventMatrix {
  faceIds: string[] = [];
  photoIds: string[] = [];
  data = new Float32Array(DIM * 1024);
  private readonly known = new Set<string>();
  syncedAt = new Date(0);

  get size(): number {
    return this.faceIds.length;
  }

  add(rows: FaceVector[]): void {
    for (const row of rows) {
      if (this.known.has(row.faceId) || row.vector.length !== DIM) continue;
      if ((this.size + 1) * DIM > this.data.length) {
        const grown = new Float32Array(this.data.length * 2);
        grown.set(this.data);
        this.data = grown;
      }
      this.data.set(row.vector, this.size * DIM);
      this.faceIds.push(row.faceId);
      this.photoIds.push(row.photoId);
      this.known.add(row.faceId);
    }
  }
}

export interface VectorHit {
  faceId: string;
  photoId: string;
  distance: number;
  vector: Float32Array;
}

/**
 * An exact nearest-neighbour scan over every face of an event, held as one
 * Float32Array per event: loaded on first use, extended as photos are indexed,
 * dropped when a photo is deleted or re-indexed.
 */
export class VectorIndex {
  private readonly events = new Map<string, Promise<EventMatrix>>();

  constructor(private readonly source: FaceVectorSource) {}

  /** Photos of the event with a face within `maxDistance` of `query`: the closest face per photo. */
  async search(eventId: string, query: Float32Array, maxDistance: number): Promise<VectorHit[]> {
    return (await this.searchEach(eventId, [query], maxDistance))[0]!;
  }

  /**
   * `search` for each query, on one view of the event: its newest faces are
   * read once, not per query, and not at all with `current` (the caller has
   * just searched the event).
   */
  async searchEach(eventId: string, queries: Float32Array[], maxDistance: number, current = false): Promise<VectorHit[][]> {
    const matrix = await this.matrix(eventId);
    if (!current) await this.catchUp(eventId, matrix);
    return queries.map((query) => scan(matrix, query, maxDistance));
  }

  /** A photo of the event was indexed: add its faces if the event is loaded. */
  async photoIndexed(eventId: string): Promise<void> {
    const loaded = this.events.get(eventId);
    if (loaded) await this.catchUp(eventId, await loaded);
  }

  /** Forget an event (a photo was deleted or re-indexed): it reloads on next use. */
  invalidate(eventId: string): void {
    this.events.delete(eventId);
  }

  private matrix(eventId: string): Promise<EventMatrix> {
    let matrix = this.events.get(eventId);
    if (!matrix) {
      matrix = (async () => {
        const m = new EventMatrix();
        m.syncedAt = new Date();
        m.add(await this.source.eventVectors(eventId));
        return m;
      })();
      matrix.catch(() => this.events.delete(eventId));
      this.events.set(eventId, matrix);
    }
    return matrix;
  }

  private async catchUp(eventId: string, matrix: EventMatrix): Promise<void> {
    const now = new Date();
    const since = new Date(matrix.syncedAt.getTime() - CATCH_UP_MARGIN_MS);
    matrix.add(await this.source.recentVectors(eventId, since));
    matrix.syncedAt = now;
  }
}

/** The closest face per photo within `maxDistance` of `query`: an exact scan. */
function scan(matrix: EventMatrix, query: Float32Array, maxDistance: number): VectorHit[] {
  const limit = maxDistance * maxDistance;
  const best = new Map<string, VectorHit>();
  const { data, faceIds, photoIds } = matrix;
  for (let i = 0, n = matrix.size; i < n; i++) {
    let sum = 0;
    const base = i * DIM;
    for (let j = 0; j < DIM; j++) {
      const d = query[j]! - data[base + j]!;
      sum += d * d;
      if (sum > limit) break;
    }
    if (sum > limit) continue;
    const distance = Math.sqrt(sum);
    const photoId = photoIds[i]!;
    const current = best.get(photoId);
    if (!current || distance < current.distance) best.set(photoId, { faceId: faceIds[i]!, photoId, distance, vector: data.slice(base, base + DIM) });
  }
  return [...best.values()];
}
