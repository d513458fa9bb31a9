import path from 'node:path';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Argon2PasswordHasher } from './adapters/crypto/argon2.password-hasher.js';
import { JwtTokenIssuer } from './adapters/crypto/jwt.token-issuer.js';
import { LogMailer } from './adapters/mailer/log.mailer.js';
import { SmtpMailer } from './adapters/mailer/smtp.mailer.js';
import { PgRateLimiter } from './adapters/rate-limit/pg.rate-limiter.js';
import type { AppConfig } from './config/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.js';
import { databaseReady, migrate, openOrm } from './db/orm.js';
import type { ContextFactory, GraphQLContext, RequestServices, Session } from './graphql/context.js';
import { bearerToken } from './graphql/context.js';
import { createSchema } from './graphql/schema.js';
import { startHttpServer, type RunningHttpServer } from './http/server.js';
import { startMetricsServer } from './http/metrics.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Mailer } from './ports/mailer.js';
import type { PasswordHasher } from './ports/password-hasher.js';
import { AccountService } from './services/account.service.js';
import { EventService } from './services/event.service.js';
import { PhotoService } from './services/photo.service.js';
import { SelfieService } from './services/selfie.service.js';
import { Throttle } from './services/throttle.js';
import { PrivacyService } from './services/privacy.service.js';
import { privacyPolicy, type PrivacyPolicy } from './services/privacy-policy.js';
import { PgFaceVectorSource } from './adapters/pg/pg.face-vectors.js';
import { LocalFaceEngine } from './adapters/faces/local/local.face-engine.js';
import { SelfieProcessor } from './worker/selfie-processor.js';
import { RekognitionFaceEngine } from './adapters/faces/aws/rekognition.face-engine.js';
import { PgNotifyEventBus } from './adapters/events/pg-notify.event-bus.js';
import { DisabledFaceEngine } from './adapters/faces/disabled.face-engine.js';
import { PgBossJobQueue } from './adapters/queue/pg-boss.job-queue.js';
import { SqsJobQueue } from './adapters/queue/sqs.job-queue.js';
import { LocalObjectStore } from './adapters/storage/local.object-store.js';
import { S3ObjectStore } from './adapters/storage/s3.object-store.js';
import { PgUploadTargets } from './adapters/pg/pg.upload-targets.js';
import { PgJobKeys } from './adapters/pg/pg.job-keys.js';
import type { UploadTargets } from './ports/upload-targets.js';
import { LiveEvents } from './graphql/live-events.js';
import type { EventBus } from './ports/event-bus.js';
import type { FaceEngine } from './ports/face-engine.js';
import type { JobQueue } from './ports/job-queue.js';
import type { ObjectStore } from './ports/object-store.js';
import { canReadHeic } from './worker/image-normalizer.js';
import { eventMatchHandler, PhotoProcessor } from './worker/photo-processor.js';
import { Maintenance, releaseOrphanedPhotos, requeueStalePhotos } from './worker/maintenance.js';
import { JobRegistry } from './worker/jobs.js';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { PrometheusTelemetry } from './adapters/metrics/prometheus.telemetry.js';
import { PgUsageRecorder } from './adapters/usage/pg.usage-recorder.js';
import { noTelemetry, type Telemetry } from './ports/telemetry.js';
import { AdminService, type AdminSettings } from './services/admin.service.js';
import { ObjectErasure } from './services/object-erasure.js';
import { AesSealer } from './adapters/crypto/aes.sealer.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Replacements for adapters, for tests (a mailer whose outbox they read, a clock they move). */
export interface AppOverrides {
  mailer?: Mailer;
  clock?: Clock;
  hasher?: PasswordHasher;
  queue?: JobQueue;
  faces?: FaceEngine;
}

export interface Database {
  orm: MikroORM;
  url: string;
  /** Closes the ORM, then the embedded cluster if this process started one. */
  close(): Promise<void>;
}

/** Connects to DATABASE_URL, or starts the embedded PostgreSQL under DATA_DIR. */
export async function openDatabase(config: AppConfig, logger: Logger): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.database.url;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dir: path.join(config.dataDir, 'pg'),
      port: config.database.embeddedPort,
      logger,
    });
    url = embedded.url;
    logger.info({ dataDir: config.dataDir }, 'embedded PostgreSQL started');
  }
  try {
    const orm = await openOrm({ clientUrl: url, logger });
    return {
      orm,
      url,
      close: async () => {
        await orm.close(true);
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

/** The adapters and services of one process, wired from config: the composition root. */
export class Application {
  private readonly mailer: Mailer;
  private readonly clock: Clock;
  private readonly hasher: PasswordHasher;
  private readonly tokens: JwtTokenIssuer;
  readonly store: ObjectStore;
  readonly queue: JobQueue;
  private readonly erasure: ObjectErasure;
  readonly bus: EventBus;
  readonly faces: FaceEngine;
  private live: LiveEvents | undefined;
  private http: RunningHttpServer | undefined;
  private infraStarted: Promise<void> | undefined;
  private workerRunning = false;
  private readonly maintenance: Maintenance;
  private detachFaces: (() => void) | undefined;
  readonly privacyPolicy: PrivacyPolicy;
  readonly telemetry: Telemetry;
  private readonly usage: PgUsageRecorder | undefined;
  private readonly adminSettings: AdminSettings;
  /** This process's row in worker_heartbeats, once it runs the worker. */
  private workerId: string | undefined;
  private workerMetrics: http.Server | undefined;
  /** Where clients reach this process; follows the real port when PORT=0 and PUBLIC_URL is unset. */
  private publicUrl: string;

  constructor(
    readonly config: AppConfig,
    readonly logger: Logger,
    readonly db: Database,
    overrides: AppOverrides = {},
  ) {
    this.clock = overrides.clock ?? systemClock;
    this.hasher = overrides.hasher ?? new Argon2PasswordHasher();
    this.tokens = new JwtTokenIssuer(config.auth.secretKey, config.auth.jwtTtlSeconds, this.clock);
    this.mailer =
      overrides.mailer ??
      (config.mail.smtpUrl ? new SmtpMailer(config.mail.smtpUrl, config.mail.from) : new LogMailer(logger, !config.isProduction));
    this.publicUrl = config.http.publicUrl;
    this.privacyPolicy = privacyPolicy(config.privacy.faceRetentionDays);
    this.maintenance = new Maintenance(logger.child({ component: 'maintenance' }));

    this.store = createObjectStore(config, () => this.publicUrl, this.clock, logger, new PgUploadTargets(() => db.orm.em.fork()));
    this.queue = overrides.queue ?? createJobQueue(config, db, logger);
    this.erasure = new ObjectErasure({
      store: this.store,
      queue: this.queue,
      sealer: new AesSealer(config.auth.secretKey),
      clock: this.clock,
      logger,
      uploadUrlTtlSeconds: config.photos.uploadUrlTtlSeconds,
    });
    this.bus = new PgNotifyEventBus(db.url, logger);
    this.telemetry = config.metrics.enabled
      ? new PrometheusTelemetry({
          queueStats: () => this.queue.stats('photo.process'),
          subscriptions: () => this.http?.subscriptions() ?? 0,
          usdPerCall: config.prices.usdPer1000Calls / 1000,
        })
      : noTelemetry;
    this.usage = config.faces.provider === 'aws' && !overrides.faces ? new PgUsageRecorder(db.orm, logger, (api) => this.telemetry.faceEngineCall(api)) : undefined;
    this.faces = overrides.faces ?? createFaceEngine(config, db, logger, this.usage);
    if (this.faces instanceof LocalFaceEngine) this.detachFaces = this.faces.attach(this.bus);
    this.adminSettings = {
      version: VERSION,
      environment: config.env,
      configSources: config.sources,
      ssmPrefix: config.ssmPrefix,
      drivers: {
        database: config.database.url ? 'postgres (DATABASE_URL)' : 'embedded postgres',
        objectStore: this.store.driver,
        jobQueue: this.queue.driver,
        faceEngine: this.faces.name,
        mailer: overrides.mailer ? 'custom' : config.mail.smtpUrl ? 'smtp' : 'log',
      },
      usdPer1000Calls: config.prices.usdPer1000Calls,
      usdPerFaceMonth: config.prices.usdPerFaceMonth,
      startedAt: new Date(),
    };
  }

  /** Services bound to one unit of work (a request, a job). */
  services(em: EntityManager, logger: Logger = this.logger): RequestServices {
    const { config } = this;
    const limiter = new PgRateLimiter(em);
    const throttle = new Throttle(limiter, this.clock, logger);
    const r = config.rateLimits;
    return {
      accounts: new AccountService(em, {
        hasher: this.hasher,
        tokens: this.tokens,
        limiter,
        throttle,
        bus: this.bus,
        mailer: this.mailer,
        clock: this.clock,
        logger,
        settings: {
          adminEmails: config.auth.adminEmails,
          publicUrl: config.http.publicUrl,
          passwordResetTtlSeconds: config.auth.passwordResetTtlSeconds,
          ...config.rateLimits,
        },
      }),
      admin: new AdminService(em, { queue: this.queue, settings: this.adminSettings }),
      privacy: new PrivacyService(em, { store: this.store, erasure: this.erasure, faces: this.faces, bus: this.bus, clock: this.clock, logger }),
      events: new EventService(em, {
        clock: this.clock,
        logger,
        throttle,
        settings: {
          faceRetentionDays: config.privacy.faceRetentionDays,
          codeLookupFailuresPerIp: r.codeLookupFailuresPerIp,
          codeLookupFailuresPerAccount: r.codeLookupFailuresPerAccount,
          codeLookupWindowSeconds: r.codeLookupWindowSeconds,
        },
      }),
      selfies: new SelfieService(em, {
        store: this.store,
        queue: this.queue,
        bus: this.bus,
        throttle,
        logger,
        settings: {
          maxBytes: config.faces.selfieMaxBytes,
          acceptedTypes: acceptedPhotoTypes(),
          uploadUrlTtlSeconds: config.photos.uploadUrlTtlSeconds,
          uploadsPerAccount: r.selfieUploadsPerAccount,
          uploadsPerIp: r.selfieUploadsPerIp,
          uploadWindowSeconds: r.selfieUploadWindowSeconds,
        },
      }),
      photos: new PhotoService(em, {
        store: this.store,
        erasure: this.erasure,
        queue: this.queue,
        bus: this.bus,
        faces: this.faces,
        throttle,
        logger,
        settings: {
          uploadRequestsPerAccount: r.uploadRequestsPerAccount,
          uploadRequestsPerIp: r.uploadRequestsPerIp,
          uploadRequestWindowSeconds: r.uploadRequestWindowSeconds,
          maxBytes: config.photos.maxBytes,
          batchMax: config.photos.batchMax,
          acceptedTypes: acceptedPhotoTypes(),
          uploadUrlTtlSeconds: config.photos.uploadUrlTtlSeconds,
          downloadUrlTtlSeconds: config.photos.downloadUrlTtlSeconds,
        },
      }),
    };
  }

  /** Applies migrations and start-up chores (admin promotion). */
  async prepare(): Promise<void> {
    const applied = await migrate(this.db.orm);
    if (applied.length > 0) this.logger.info({ migrations: applied }, 'migrations applied');
    const promoted = await this.services(this.db.orm.em.fork()).accounts.promoteConfiguredAdmins();
    if (promoted > 0) this.logger.info({ promoted }, 'accounts promoted from ADMIN_EMAILS');
  }

  readonly createContext: ContextFactory = async ({ authorization, session, ip, requestId }) => {
    const logger = this.logger.child({ requestId });
    const services = this.services(this.db.orm.em.fork(), logger);
    const context: GraphQLContext = {
      viewer: session?.viewer ?? null,
      authFailure: null,
      tokenExpiresAt: session?.expiresAt ?? null,
      services,
      freshServices: () => this.services(this.db.orm.em.fork(), logger),
      live: this.liveEvents(),
      progressMinIntervalMs: this.config.photos.progressMinIntervalMs,
      privacyPolicy: this.privacyPolicy,
      ip,
      requestId,
      logger,
    };
    if (!session && authorization !== undefined && authorization.trim() !== '') {
      const token = bearerToken(authorization);
      const result = token ? await services.accounts.authenticate(token) : { failure: 'invalid' as const };
      if ('user' in result) {
        context.viewer = result.user;
        context.tokenExpiresAt = result.expiresAt;
      } else {
        context.authFailure = result.failure;
      }
    }
    return context;
  };

  /** A graphql-ws socket's token, checked once when it connects: the session, or null. */
  readonly authenticate = async (authorization: string): Promise<Session | null> => {
    const token = bearerToken(authorization);
    if (!token) return null;
    const result = await this.services(this.db.orm.em.fork()).accounts.authenticate(token);
    return 'user' in result ? { viewer: result.user, expiresAt: result.expiresAt } : null;
  };

  /** Starts the API on the configured (or given) port. */
  async listen(port = this.config.http.port, host = this.config.http.host): Promise<RunningHttpServer> {
    await this.startInfra();
    const schema = await createSchema();
    this.http = await startHttpServer(
      {
        schema,
        context: this.createContext,
        authenticate: this.authenticate,
        logger: this.logger,
        production: this.config.isProduction,
        introspection: this.config.http.introspection,
        corsOrigins: this.config.http.corsOrigins,
        trustProxy: this.config.http.trustProxy,
        ready: () => databaseReady(this.db.orm),
        routers: this.store.routes(),
        limits: this.config.graphql,
        telemetry: this.telemetry,
        ...(this.telemetry instanceof PrometheusTelemetry && (!this.config.isProduction || this.config.metrics.token)
          ? { metrics: { render: () => (this.telemetry as PrometheusTelemetry).render(), token: this.config.metrics.token } }
          : {}),
        onSessionsRevoked: (listener) => this.bus.subscribe('sessions.revoked', (m) => listener(m.userId)),
      },
      port,
      host,
    );
    if (!this.config.http.publicUrlConfigured) this.publicUrl = this.http.url;
    return this.http;
  }

  /** Starts consuming photo jobs in this process. */
  async startWorker(): Promise<void> {
    await this.startInfra();
    this.workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const processor = new PhotoProcessor({
      orm: this.db.orm,
      store: this.store,
      faces: this.faces,
      bus: this.bus,
      clock: this.clock,
      logger: this.logger.child({ component: 'worker' }),
      limits: { maxBytes: this.config.photos.maxBytes, maxPixels: this.config.photos.maxPixels, mozjpeg: this.config.photos.displayMozjpeg },
      queue: this.queue,
      batchMatchDelaySeconds: this.config.faces.batchMatchDelaySeconds,
      telemetry: this.telemetry,
      workerId: this.workerId,
    });
    const selfies = new SelfieProcessor({
      orm: this.db.orm,
      store: this.store,
      faces: this.faces,
      bus: this.bus,
      logger: this.logger.child({ component: 'worker' }),
      telemetry: this.telemetry,
    });
    await new JobRegistry(this.logger)
      .registerAll({
        'photo.process': { handler: processor.handle, concurrency: this.config.worker.concurrency },
        'selfie.process': { handler: selfies.handle, concurrency: this.config.worker.concurrency },
        'event.match': { handler: eventMatchHandler({ orm: this.db.orm, faces: this.faces, bus: this.bus, logger: this.logger }), concurrency: 1 },
        'storage.purge': { handler: this.erasure.handle, concurrency: 1 },
      })
      .start(this.queue);
    const cfg = this.config;
    const started = new Date();
    const beat = () =>
      this.db.orm.em.getConnection().execute(
        `insert into worker_heartbeats (id, host, pid, concurrency, started_at, last_seen_at) values (?, ?, ?, ?, ?, now())
         on conflict (id) do update set last_seen_at = now()`,
        [this.workerId, os.hostname(), process.pid, cfg.worker.concurrency, started],
      );
    await beat();
    this.maintenance.start([
      { name: 'worker-heartbeat', intervalSeconds: 10, run: beat },
      {
        name: 'face-data-retention',
        intervalSeconds: cfg.privacy.retentionSweepIntervalSeconds,
        run: () => this.services(this.db.orm.em.fork()).privacy.purgeExpiredFaceData(),
      },
      {
        name: 'stale-photo-jobs',
        intervalSeconds: cfg.queue.staleSweepIntervalSeconds,
        run: () => requeueStalePhotos({ orm: this.db.orm, queue: this.queue, logger: this.logger, staleAfterSeconds: 2 * cfg.queue.jobTimeoutSeconds }),
      },
      {
        name: 'replaced-selfie-faces',
        intervalSeconds: 300,
        run: () => this.services(this.db.orm.em.fork()).privacy.purgeReplacedSelfieFaces(),
      },
      {
        name: 'orphaned-photo-jobs',
        intervalSeconds: 15,
        run: () => releaseOrphanedPhotos({ orm: this.db.orm, queue: this.queue, bus: this.bus, logger: this.logger, silentAfterSeconds: 30 }),
      },
      { name: 'rate-limit-sweep', intervalSeconds: 3600, run: () => new PgRateLimiter(this.db.orm.em.fork()).sweep() },
    ]);
    this.workerRunning = true;
    this.logger.info({ queue: this.queue.driver, concurrency: this.config.worker.concurrency, faces: this.faces.name }, 'photo worker started');
  }

  /**
   * /metrics on METRICS_PORT, when it is set, for `findme serve` and
   * `findme worker` alike: a port the operator keeps off the public network
   * (in production the API port serves metrics only behind METRICS_TOKEN).
   */
  async serveMetricsPort(): Promise<void> {
    const { workerPort, token } = this.config.metrics;
    if (!workerPort || !(this.telemetry instanceof PrometheusTelemetry)) return;
    const telemetry = this.telemetry;
    this.workerMetrics = await startMetricsServer({ render: () => telemetry.render(), token }, workerPort, this.config.http.host, this.logger);
    this.logger.info({ port: workerPort }, 'metrics on /metrics');
  }

  /** Drains the API, stops the worker (finishing or releasing jobs), then closes the database. */
  async close(): Promise<void> {
    await this.http?.stop();
    this.http = undefined;
    await new Promise((resolve) => (this.workerMetrics ? this.workerMetrics.close(resolve) : resolve(undefined)));
    await this.maintenance.stop();
    if (this.workerId) {
      await this.db.orm.em
        .getConnection()
        .execute('delete from worker_heartbeats where id = ?', [this.workerId])
        .catch((err: unknown) => this.logger.warn({ err }, 'could not remove the worker heartbeat'));
    }
    await this.usage?.close();
    if (this.infraStarted) {
      await this.queue.stop({ graceSeconds: this.workerRunning ? 30 : 0 });
      this.live?.close();
      await this.bus.stop();
    }
    this.detachFaces?.();
    await this.faces.close();
    if (this.mailer instanceof SmtpMailer) this.mailer.close();
    await this.db.close();
  }

  private liveEvents(): LiveEvents {
    this.live ??= new LiveEvents(this.bus);
    return this.live;
  }

  private startInfra(): Promise<void> {
    this.infraStarted ??= (async () => {
      await this.bus.start();
      await this.queue.start();
    })();
    return this.infraStarted;
  }
}

/** What uploads may be: HEIC only where this sharp build decodes it. */
export function acceptedPhotoTypes(): string[] {
  return ['image/jpeg', 'image/png', 'image/webp', ...(canReadHeic() ? ['image/heic', 'image/heif'] : [])];
}

function createFaceEngine(config: AppConfig, db: Database, logger: Logger, usage: PgUsageRecorder | undefined): FaceEngine {
  const f = config.faces;
  if (f.provider === 'none') return new DisabledFaceEngine();
  if (f.provider === 'aws') {
    const r = f.rekognition;
    return RekognitionFaceEngine.create(
      r.region,
      {
        collectionPrefix: r.collectionPrefix,
        faceThreshold: r.faceThreshold,
        minSimilarity: r.minSimilarity,
        detectMinConfidence: r.detectMinConfidence,
        maxTps: r.maxTps,
        selfieMinFacePx: f.selfieMinFacePx,
        bucket: config.storage.driver === 's3' ? config.storage.bucket : undefined,
      },
      new PgFaceVectorSource(db.orm),
      logger.child({ component: 'faces' }),
      usage,
    );
  }
  return new LocalFaceEngine(
    f,
    new PgFaceVectorSource(db.orm),
    logger.child({ component: 'faces' }),
  );
}

function createObjectStore(config: AppConfig, publicUrl: () => string, clock: Clock, logger: Logger, targets: UploadTargets): ObjectStore {
  const storage = config.storage;
  if (storage.driver === 's3') return S3ObjectStore.create(storage);
  return new LocalObjectStore(storage.dir, publicUrl, config.auth.secretKey, clock, logger, targets);
}

function createJobQueue(config: AppConfig, db: Database, logger: Logger): JobQueue {
  const q = config.queue;
  if (q.driver === 'sqs') {
    return SqsJobQueue.create({
      queueUrl: q.sqsQueueUrl!,
      region: config.awsRegion,
      visibilityTimeoutSeconds: q.sqsVisibilityTimeoutSeconds,
      waitTimeSeconds: q.sqsWaitTimeSeconds,
      maxAttempts: q.maxAttempts,
      retryDelaySeconds: q.retryDelaySeconds,
      logger,
      keys: new PgJobKeys(() => db.orm.em.fork()),
    });
  }
  return new PgBossJobQueue({
    connectionString: db.url,
    maxAttempts: q.maxAttempts,
    retryDelaySeconds: q.retryDelaySeconds,
    jobTimeoutSeconds: q.jobTimeoutSeconds,
    maintenanceIntervalSeconds: q.maintenanceIntervalSeconds,
    logger,
  });
}
