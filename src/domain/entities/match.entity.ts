import { Entity, Enum, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { Face } from './face.entity.js';
import { Photo } from './photo.entity.js';
import { User } from './user.entity.js';

export enum MatchSource {
  INGEST = 'INGEST',
  REMATCH = 'REMATCH',
  /** The guest said "this is me" (or my child) on this face. */
  CLAIM = 'CLAIM',
}

/** A person a guest looks for, found in a photo: one row per (photo, person), keeping the best face. */
@Entity({ tableName: 'matches' })
@Unique({ properties: ['photo', 'personId'] })
@Index({ properties: ['user', 'photo'] })
@Index({ properties: ['personId'] })
export class Match extends BaseEntity {
  @ManyToOne(() => Photo, { ref: true, deleteRule: 'cascade' })
  photo!: Ref<Photo>;

  /** The guest whose gallery it is in. */
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  /** Who was found: the guest (their user id) or a Person they added. */
  @Property({ type: 'uuid' })
  personId!: string;

  @ManyToOne(() => Face, { ref: true, deleteRule: 'cascade' })
  face!: Ref<Face>;

  /** 0..100, higher is more alike. */
  @Property({ type: 'double' })
  similarity!: number;

  @Enum({ items: () => MatchSource, nativeEnumName: 'match_source' })
  source!: MatchSource;
}

/** "Not me": a guest said they (or a person they added) are not in this photo. No match of that person is ever made in it again. */
@Entity({ tableName: 'match_rejections' })
@Unique({ properties: ['personId', 'photo'] })
@Index({ properties: ['user'] })
export class MatchRejection extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  /** The guest's own user id, or a Person they added. */
  @Property({ type: 'uuid' })
  personId!: string;

  @ManyToOne(() => Photo, { ref: true, deleteRule: 'cascade' })
  photo!: Ref<Photo>;
}
