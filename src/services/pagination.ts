import { BadUserInputError } from '../domain/errors.js';
import { isUuid } from './validation.js';

export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  totalCount: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError('first', `first: must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return first;
}

/** Cursors are opaque to clients: base64url of the sort key. */
export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' || typeof k === 'number')) {
      return key as (string | number)[];
    }
  } catch {
    // fall through
  }
  throw new BadUserInputError('after', 'after: is not a cursor returned by this list.');
}

/** A cursor of a list ordered by a time and an id (`[iso time, uuid]`), checked. */
export function decodeTimeCursor(cursor: string): { at: Date; id: string } {
  const [time, id] = decodeCursor(cursor, 2);
  const at = new Date(String(time));
  if (Number.isNaN(at.getTime()) || typeof id !== 'string' || !isUuid(id)) {
    throw new BadUserInputError('after', 'after: is not a cursor returned by this list.');
  }
  return { at, id };
}

/** Builds a page from `limit + 1` rows fetched after the cursor. */
export function toPage<T>(rows: T[], limit: number, totalCount: number, afterGiven: boolean, keyOf: (row: T) => (string | number)[]): Page<T> {
  const nodes = rows.slice(0, limit);
  return {
    edges: nodes.map((node) => ({ cursor: encodeCursor(keyOf(node)), node })),
    totalCount,
    hasNextPage: rows.length > limit,
    hasPreviousPage: afterGiven,
  };
}
