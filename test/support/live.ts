import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import type { Client } from 'graphql-ws';

export interface Collector<T> {
  values: T[];
  errors: GraphQLFormattedError[];
  /** Resolves when `predicate` holds for the values so far (checked on each arrival). */
  until(predicate: (values: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  /** Resolves with the first errors, or the close event. */
  failure(timeoutMs?: number): Promise<unknown>;
  /** Resolves when the server ends the subscription (complete) or it fails; with how it ended. */
  ended(timeoutMs?: number): Promise<'complete' | 'error'>;
  dispose(): void;
}

/** Subscribes over graphql-ws and records every value. */
export function collect<T, V extends Record<string, unknown>>(client: Client, doc: TypedDocumentNode<T, V>, variables: V): Collector<T> {
  const values: T[] = [];
  const errors: GraphQLFormattedError[] = [];
  const waiters = new Set<() => void>();
  let failure: unknown;
  let end: 'complete' | 'error' | undefined;
  const notify = () => waiters.forEach((w) => w());
  const dispose = client.subscribe<T>(
    { query: print(doc), variables },
    {
      next: (r) => {
        if (r.errors) errors.push(...r.errors);
        if (r.data) values.push(r.data as T);
        notify();
      },
      error: (e) => {
        failure = e;
        end = 'error';
        notify();
      },
      complete: () => {
        end ??= 'complete';
        notify();
      },
    },
  );
  const wait = <R>(check: () => R | undefined, timeoutMs: number, what: string) =>
    new Promise<R>((resolve, reject) => {
      const attempt = () => {
        const result = check();
        if (result !== undefined) {
          waiters.delete(attempt);
          clearTimeout(timer);
          resolve(result);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(attempt);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(values.slice(-3))} errors ${JSON.stringify(errors)}`));
      }, timeoutMs);
      waiters.add(attempt);
      attempt();
    });
  return {
    values,
    errors,
    until: (predicate, timeoutMs = 60_000) => wait(() => (predicate(values) ? values : undefined), timeoutMs, 'values'),
    failure: (timeoutMs = 10_000) => wait(() => (errors.length > 0 ? errors : failure), timeoutMs, 'a failure'),
    ended: (timeoutMs = 10_000) => wait(() => end, timeoutMs, 'the subscription to end'),
    dispose,
  };
}
