import { Entity, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { Photo } from './photo.entity.js';

/** One detected face; the box is relative to the normalised photo (0..1). */
@Entity({ tableName: 'faces' })
@Unique({ properties: ['photo', 'faceIndex'] })
@Index({ properties: ['createdAt'] })
export class Face extends BaseEntity {
  @ManyToOne(() => Photo, { ref: true, deleteRule: 'cascade' })
  photo!: Ref<Photo>;

  /** Position of the face within the photo, so redelivered jobs rewrite the same row. */
  @Property({ type: 'integer' })
  faceIndex!: number;

  @Property({ type: 'double' })
  boxLeft!: number;

  @Property({ type: 'double' })
  boxTop!: number;

  @Property({ type: 'double' })
  boxWidth!: number;

  @Property({ type: 'double' })
  boxHeight!: number;

  @Property({ type: 'double' })
  confidence!: number;

  /** 128 float32 values (local engine); null for engines that keep vectors themselves. */
  @Property({ type: 'blob', nullable: true, lazy: true })
  vector: Buffer | null = null;

  @Property({ type: 'text', nullable: true })
  engineFaceId: string | null = null;
}
