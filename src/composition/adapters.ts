import type { Logger } from 'pino';
import { AesSealer } from '../adapters/crypto/aes.sealer.js';
import type { Sealer } from '../ports/sealer.js';
import { Argon2PasswordHasher } from '../adapters/crypto/argon2.password-hasher.js';
import { JwtTokenIssuer } from '../adapters/crypto/jwt.token-issuer.js';
import { PgNotifyEventBus } from '../adapters/events/pg-notify.event-bus.js';
import { RekognitionFaceEngine } from '../adapters/faces/aws/rekognition.face-engine.js';
import { DisabledFaceEngine } from '../adapters/faces/disabled.face-engine.js';
import { LocalFaceEngine } from '../adapters/faces/local/local.face-engine.js';
import { LogMailer } from '../adapters/mailer/log.mailer.js';
import { SmtpMailer } from '../adapters/mailer/smtp.mailer.js';
import { PrometheusTelemetry } from '../adapters/metrics/prometheus.telemetry.js';
import { PgFaceVectorSource } from '../adapters/pg/pg.face-vectors.js';
import { PgJobKeys } from '../adapters/pg/pg.job-keys.js';
import { PgUploadTargets } from '../adapters/pg/pg.upload-targets.js';
import { PgBossJobQueue } from '../adapters/queue/pg-boss.job-queue.js';
import { SqsJobQueue } from '../adapters/queue/sqs.job-queue.js';
import { LocalObjectStore } from '../adapters/storage/local.object-store.js';
import { S3ObjectStore } from '../adapters/storage/s3.object-store.js';
import { PgUsageRecorder } from '../adapters/usage/pg.usage-recorder.js';
import type { AppConfig } from '../config/config.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { FaceEngine } from '../ports/face-engine.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Mailer } from '../ports/mailer.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import { noTelemetry, type Telemetry } from '../ports/telemetry.js';
import type { TokenIssuer } from '../ports/token-issuer.js';
import { ObjectErasure } from '../services/object-erasure.js';
import { canReadHeic } from '../adapters/image/image-normalizer.js';
import type { Database } from './database.js';
import { GoogleDriveSource } from '../adapters/drive/google.drive-source.js';
import type { DriveSource } from '../ports/drive.js';

/** Replacements for adapters, for tests (a mailer whose outbox they read, a clock they move). */
export interface AppOverrides {
  mailer?: Mailer;
  clock?: Clock;
  hasher?: PasswordHasher;
  queue?: JobQueue;
  faces?: FaceEngine;
}

/** Every external system of one process, each behind its port, built once from config. */
export interface Adapters {
  clock: Clock;
  /** Authenticated encryption with the server's key (sealed prefixes, download links). */
  sealer: Sealer;
  hasher: PasswordHasher;
  tokens: TokenIssuer;
  mailer: Mailer;
  store: ObjectStore;
  queue: JobQueue;
  erasure: ObjectErasure;
  bus: EventBus;
  faces: FaceEngine;
  /** Google Drive as the configured service account sees it; undefined when none is configured. */
  drive: DriveSource | undefined;
  telemetry: Telemetry;
  /** Face-service call counts (paid engines only), flushed on close. */
  usage: PgUsageRecorder | undefined;
  /** Names of the drivers in use, for systemStatus. */
  drivers: { database: string; objectStore: string; jobQueue: string; faceEngine: string; mailer: string };
}

/** Late-bound facts the adapters need from the running process. */
export interface ProcessFacts {
  /** Where clients reach this process (follows the real port when PORT=0). */
  publicUrl: () => string;
  /** Subscriptions open on this process's sockets (0 without an API). */
  subscriptions: () => number;
}

/** Builds the adapters the configuration selects: a bucket means S3, a queue URL SQS, and so on. */
export function buildAdapters(config: AppConfig, db: Database, logger: Logger, facts: ProcessFacts, overrides: AppOverrides = {}): Adapters {
  const clock = overrides.clock ?? systemClock;
  const store =
    config.storage.driver === 's3'
      ? S3ObjectStore.create(config.storage)
      : new LocalObjectStore(
          config.storage.dir,
          facts.publicUrl,
          config.auth.secretKey,
          clock,
          logger,
          new PgUploadTargets(() => db.orm.em.fork()),
          // The same policy as the API's: the listed origins, or any origin in development when none is listed.
          config.http.corsOrigins.length > 0 ? config.http.corsOrigins : !config.isProduction,
        );
  const queue = overrides.queue ?? createJobQueue(config, db, logger);
  const telemetry: Telemetry = config.metrics.enabled
    ? new PrometheusTelemetry({ queueStats: () => queue.stats('photo.process'), subscriptions: facts.subscriptions, usdPerCall: config.prices.usdPer1000Calls / 1000 })
    : noTelemetry;
  const usage = config.faces.provider === 'aws' && !overrides.faces ? new PgUsageRecorder(db.orm, logger, (api) => telemetry.faceEngineCall(api)) : undefined;
  const faces = overrides.faces ?? createFaceEngine(config, db, logger, usage);
  const mailer = overrides.mailer ?? (config.mail.smtpUrl ? new SmtpMailer(config.mail.smtpUrl, config.mail.from) : new LogMailer(logger, !config.isProduction));
  const sealer = new AesSealer(config.auth.secretKey);
  return {
    clock,
    sealer,
    hasher: overrides.hasher ?? new Argon2PasswordHasher(),
    tokens: new JwtTokenIssuer(config.auth.secretKey, config.auth.jwtTtlSeconds, clock),
    mailer,
    store,
    queue,
    erasure: new ObjectErasure({ store, queue, sealer, clock, logger, uploadUrlTtlSeconds: config.photos.uploadUrlTtlSeconds }),
    bus: new PgNotifyEventBus(db.url, logger),
    faces,
    drive: config.drive.credentials ? new GoogleDriveSource(config.drive.credentials, config.drive) : undefined,
    telemetry,
    usage,
    drivers: {
      database: config.database.url ? 'postgres (DATABASE_URL)' : 'embedded postgres',
      objectStore: store.driver,
      jobQueue: queue.driver,
      faceEngine: faces.name,
      mailer: overrides.mailer ? 'custom' : config.mail.smtpUrl ? 'smtp' : 'log',
    },
  };
}

/** What uploads may be: HEIC only where this sharp build decodes it. */
export function acceptedPhotoTypes(): string[] {
  return ['image/jpeg', 'image/png', 'image/webp', ...(canReadHeic() ? ['image/heic', 'image/heif'] : [])];
}

function createFaceEngine(config: AppConfig, db: Database, logger: Logger, usage: PgUsageRecorder | undefined): FaceEngine {
  const f = config.faces;
  if (f.provider === 'none') return new DisabledFaceEngine();
  const vectors = new PgFaceVectorSource(db.orm);
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
      vectors,
      logger.child({ component: 'faces' }),
      usage,
    );
  }
  return new LocalFaceEngine(f, vectors, logger.child({ component: 'faces' }));
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
