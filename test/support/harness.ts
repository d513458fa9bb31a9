import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { Application, openDatabase } from '../../src/composition/application.js';
import { MemoryMailer } from '../../src/adapters/mailer/memory.mailer.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import type { Clock } from '../../src/ports/clock.js';
import type { FaceEngine } from '../../src/ports/face-engine.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import type { PasswordHasher } from '../../src/ports/password-hasher.js';

export interface GraphQLResponse<T> {
  status: number;
  data: T | null | undefined;
  errors: GraphQLFormattedError[] | undefined;
  headers: Headers;
}

export interface TestServer {
  app: Application;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  wsUrl: string;
  baseUrl: string;
  mailer: MemoryMailer;
  databaseUrl: string;
  dataDir: string;
  /** Sends an operation over real HTTP. */
  gql<R, V extends Record<string, unknown>>(
    doc: TypedDocumentNode<R, V>,
    variables?: V,
    options?: { token?: string | undefined; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<R>>;
  /** Runs SQL against the test database (to look behind the API). */
  sql<T = Record<string, any>>(query: string, params?: unknown[]): Promise<T[]>;
  /**
   * Waits until every requested link mail has been handled by the worker
   * (links are mailed by a job, off the request path): the outbox is then final.
   */
  mailed(): Promise<void>;
  /** A graphql-ws client over a real socket; closed with the server. */
  ws(connectionParams?: Record<string, unknown>): Client;
  close(): Promise<void>;
}

/** A clock the test moves. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

/** Fast, deterministic hashing for tests that are not about hashing (argon2 is exercised elsewhere). */
export const plainHasher: PasswordHasher = {
  hash: async (p) => `plain:${p}`,
  verify: async (h, p) => h === `plain:${p}`,
};

/**
 * Starts the real application (HTTP + graphql-ws) on a free port against a new
 * database on the suite's PostgreSQL, with migrations applied.
 */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    hasher?: PasswordHasher;
    skipMigrations?: boolean;
    /** Use the mailer the config selects (SMTP_URL) instead of the in-memory outbox. */
    configuredMailer?: boolean;
    /** Run the photo worker in this process too. */
    worker?: boolean;
    /** The in-memory outbox to use (a slow one, for tests about timing). */
    mailer?: MemoryMailer;
    /** Listen on every interface (`0.0.0.0`), so other loopback addresses (127.0.0.2, a "phone") reach it too; 127.0.0.1 otherwise. */
    listenHost?: string;
    faces?: FaceEngine;
    queue?: JobQueue;
    /** The PostgreSQL cluster to create the test database on (the suite's one by default). */
    adminUrl?: string;
    /** Where log lines go (JSON, one per line), for tests about logging. */
    logStream?: import('pino').DestinationStream;
  } = {},
): Promise<TestServer> {
  const adminUrl = options.adminUrl ?? process.env['FINDME_TEST_ADMIN_URL'];
  if (!adminUrl) throw new Error('FINDME_TEST_ADMIN_URL is not set: run the suite with npm test');
  const dbName = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const databaseUrl = adminUrl.replace(/\/[^/]*$/, `/${dbName}`);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'findme-data-'));
  const config = await loadConfig({
    envFile: '/nonexistent/.env',
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      PHOTO_WORKER_CONCURRENCY: '2',
      PHOTO_JOB_RETRY_DELAY_SECONDS: '1',
      PROGRESS_MIN_INTERVAL_MS: '100',
      // Face recognition costs about a second a photo: only the tests about faces turn it on.
      FACE_RECOGNIZER_PROVIDER: 'none',
      // Every test client comes from 127.0.0.1: per-IP quotas are tested on their own, with low limits.
      REGISTER_MAX_PER_IP: '100000',
      PASSWORD_RESET_MAX_PER_IP: '100000',
      UPLOAD_REQUESTS_MAX_PER_IP: '100000',
      UPLOAD_REQUESTS_MAX_PER_ACCOUNT: '100000',
      SELFIE_UPLOADS_MAX_PER_IP: '100000',
      SELFIE_UPLOADS_MAX_PER_ACCOUNT: '1000',
      EVENT_CODE_FAILURES_PER_IP: '100000',
      EVENT_CODE_FAILURES_PER_ACCOUNT: '100000',
      ...options.env,
    },
  });
  const logger = createLogger(config.logLevel, options.logStream);
  const db = await openDatabase(config, logger);
  const mailer = options.mailer ?? new MemoryMailer();
  const app = new Application(config, logger, db, {
    ...(options.configuredMailer ? {} : { mailer }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.hasher ? { hasher: options.hasher } : {}),
    ...(options.faces ? { faces: options.faces } : {}),
    ...(options.queue ? { queue: options.queue } : {}),
  });
  if (!options.skipMigrations) await app.prepare();
  const http = await app.listen(0, options.listenHost ?? '127.0.0.1');
  if (options.worker) await app.startWorker();
  const url = `${http.url}/graphql`;
  const wsUrl = url.replace(/^http/, 'ws');
  const clients: Client[] = [];

  return {
    app,
    url,
    wsUrl,
    baseUrl: http.url,
    mailer,
    databaseUrl,
    dataDir,
    async gql(doc, variables, opts = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
        body: JSON.stringify({ query: print(doc), variables }),
      });
      const body = (await res.json()) as { data?: never; errors?: GraphQLFormattedError[] };
      return { status: res.status, data: body.data, errors: body.errors, headers: res.headers };
    },
    sql: (query, params = []) => db.orm.em.getConnection().execute(query, params as never[]),
    async mailed() {
      if (!options.worker) throw new Error('links are mailed by the worker: start the test server with worker: true');
      const deadline = Date.now() + 15_000;
      for (;;) {
        const stats = await app.adapters.queue.stats('account.link');
        if (stats.waiting + stats.active === 0) return;
        if (Date.now() > deadline) throw new Error(`link mails still queued after 15 s: ${JSON.stringify(stats)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    ws(connectionParams) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        ...(connectionParams ? { connectionParams } : {}),
        onNonLazyError: () => undefined,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The code of the first error, for assertions. */
export function errorCode(res: { errors?: readonly GraphQLFormattedError[] | undefined }): unknown {
  return res.errors?.[0]?.extensions?.['code'];
}

let counter = 0;
/** A unique email per call within a file. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${counter}.${randomBytes(3).toString('hex')}@example.test`;
}
