import type { MikroORM } from '@mikro-orm/postgresql';
import { toVector } from '../../domain/face-vector.js';
import type { FaceRefSource, FaceVector, FaceVectorSource } from '../../ports/face-engine.js';

interface Row {
  id: string;
  photo_id: string;
  vector: Buffer;
}

/** Faces as stored in PostgreSQL: vectors for the local engine's index, engine ids for Rekognition's. */
export class PgFaceVectorSource implements FaceVectorSource, FaceRefSource {
  constructor(private readonly orm: MikroORM) {}

  eventVectors(eventId: string): Promise<FaceVector[]> {
    return this.query('', [eventId]);
  }

  recentVectors(eventId: string, since: Date): Promise<FaceVector[]> {
    return this.query('and f.created_at >= ?', [eventId, since]);
  }

  async facesByEngineIds(engineFaceIds: string[]): Promise<{ faceId: string; photoId: string; engineFaceId: string }[]> {
    const connection = this.orm.em.fork().getConnection();
    const out: { faceId: string; photoId: string; engineFaceId: string }[] = [];
    // The query builder expands an array binding into a list: one placeholder per id, in chunks.
    for (let i = 0; i < engineFaceIds.length; i += 1000) {
      const chunk = engineFaceIds.slice(i, i + 1000);
      const rows = await connection.execute<{ id: string; photo_id: string; engine_face_id: string }[]>(
        `select id, photo_id, engine_face_id from faces where engine_face_id in (${chunk.map(() => '?').join(',')})`,
        chunk,
      );
      out.push(...rows.map((r) => ({ faceId: r.id, photoId: r.photo_id, engineFaceId: r.engine_face_id })));
    }
    return out;
  }

  private async query(extra: string, params: unknown[]): Promise<FaceVector[]> {
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<Row[]>(
        `select f.id, f.photo_id, f.vector from faces f join photos p on p.id = f.photo_id
          where p.event_id = ? and f.vector is not null ${extra}`,
        params as never[],
      );
    return rows.flatMap((r) => {
      const vector = toVector(r.vector);
      return vector ? [{ faceId: r.id, photoId: r.photo_id, vector }] : [];
    });
  }
}
