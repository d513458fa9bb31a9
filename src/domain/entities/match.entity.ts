import { Entity, Enum, Index, ManyToOne, Property, Unique, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base.js';
import { Face } from './face.entity.js';
import { Photo } from './photo.entity.js';
import { User } from './user.entity.js';

export enum MatchSource {
  INGEST = 'INGEST',
  REMATCH = 'REMATCH',
}

/** A participant found in a photo: one row per (photo, user), keeping the best face. */
@Entity({ tableName: 'matches' })
@Unique({ properties: ['photo', 'user'] })
@Index({ properties: ['user', 'photo'] })
export class Match extends BaseEntity {
  @ManyToOne(() => Photo, { ref: true, deleteRule: 'cascade' })
  photo!: Ref<Photo>;

  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @ManyToOne(() => Face, { ref: true, deleteRule: 'cascade' })
  face!: Ref<Face>;

  /** 0..100, higher is more alike. */
  @Property({ type: 'double' })
  similarity!: number;

  @Enum({ items: () => MatchSource, nativeEnumName: 'match_source' })
  source!: MatchSource;
}

/** "Not me": a guest said they are not in this photo. No match of theirs is ever made in it again. */
@Entity({ tableName: 'match_rejections' })
@Unique({ properties: ['user', 'photo'] })
export class MatchRejection extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @ManyToOne(() => Photo, { ref: true, deleteRule: 'cascade' })
  photo!: Ref<Photo>;
}
