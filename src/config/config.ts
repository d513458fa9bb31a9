import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';
import { rawConfigSchema, type RawConfig } from './config.schema.js';
import type { SsmParameterSource } from './ssm.js';
import type { TrustedProxies } from '../http/client-ip.js';

export type ConfigSource = 'defaults' | '.env' | 'environment' | `ssm:${string}`;

/** The typed, validated configuration: built once in `main()` and passed down. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  http: { host: string; port: number; publicUrl: string; publicUrlConfigured: boolean; corsOrigins: string[]; trustProxy: TrustedProxies; introspection: boolean };
  dataDir: string;
  database: { url: string | undefined; embeddedPort: number | undefined };
  auth: {
    secretKey: string;
    jwtTtlSeconds: number;
    /** How long a refresh token (and so a signed-in device) lasts without being used. */
    refreshTtlSeconds: number;
    adminEmails: string[];
    passwordResetTtlSeconds: number;
    /** How long an emailed sign-in link works (once). */
    signInLinkTtlSeconds: number;
  };
  rateLimits: {
    loginFailuresPerEmail: number;
    loginFailuresPerIp: number;
    loginFailureWindowSeconds: number;
    passwordResetsPerEmail: number;
    passwordResetWindowSeconds: number;
    passwordResetsPerIp: number;
    registrationsPerIp: number;
    registrationWindowSeconds: number;
    uploadRequestsPerAccount: number;
    uploadRequestsPerIp: number;
    uploadRequestWindowSeconds: number;
    selfieUploadsPerAccount: number;
    selfieUploadsPerIp: number;
    selfieUploadWindowSeconds: number;
    /** Event-code look-ups that find nothing (guessing), per IP and per account. */
    codeLookupFailuresPerIp: number;
    codeLookupFailuresPerAccount: number;
    codeLookupWindowSeconds: number;
  };
  /** Limits on what one GraphQL request may ask for. */
  graphql: {
    maxDepth: number;
    maxCost: number;
    maxAliases: number;
    maxDirectives: number;
    /** Lexical tokens in one document (names, punctuation, values). */
    maxTokens: number;
    /** Operations per HTTP request (1 = no batching). */
    maxOperations: number;
    maxDocumentBytes: number;
    maxBodyBytes: number;
    wsConnectionInitTimeoutMs: number;
    wsMaxSubscriptionsPerConnection: number;
  };
  privacy: {
    /** Default days after an event's date that its face data is kept (max 1095). */
    faceRetentionDays: number;
    retentionSweepIntervalSeconds: number;
  };
  mail: {
    smtpUrl: string | undefined;
    from: string;
    /** New-photo emails: how long a burst of matches settles before the email, and the least time between two for one event. */
    newPhotos: { delaySeconds: number; intervalSeconds: number };
  };
  worker: { enabled: boolean; concurrency: number };
  photos: {
    maxBytes: number;
    maxPixels: number;
    /** mozjpeg makes display JPEGs ~10 % smaller for ~9× the encoding time. */
    displayMozjpeg: boolean;
    batchMax: number;
    uploadUrlTtlSeconds: number;
    downloadUrlTtlSeconds: number;
    /** ZIP downloads streamed at once by this server, and by one account. */
    archiveConcurrency: { perServer: number; perUser: number };
    /** Minimum spacing of eventProgress updates per subscriber. */
    progressMinIntervalMs: number;
  };
  storage:
    | { driver: 'local'; dir: string }
    | { driver: 's3'; bucket: string; endpoint: string | undefined; forcePathStyle: boolean; region: string | undefined };
  queue: {
    driver: 'postgres' | 'sqs';
    /** How often photos stuck in PROCESSING past the job timeout are queued again. */
    staleSweepIntervalSeconds: number;
    sqsQueueUrl: string | undefined;
    sqsVisibilityTimeoutSeconds: number;
    sqsWaitTimeSeconds: number;
    maxAttempts: number;
    retryDelaySeconds: number;
    /** The worst case of one photo job; a job running longer is presumed dead and started again. */
    jobTimeoutSeconds: number;
    maintenanceIntervalSeconds: number;
  };
  awsRegion: string | undefined;
  faces: {
    provider: 'local' | 'aws' | 'none';
    threads: number;
    maxDistance: number;
    minConfidence: number;
    tileSize: number;
    maxSide: number;
    selfieMinFacePx: number;
    selfieMinSharpness: number;
    selfieMaxBytes: number;
    /** Settling time of a batch before its deferred participant search. */
    batchMatchDelaySeconds: number;
    rekognition: {
      region: string | undefined;
      collectionPrefix: string;
      faceThreshold: number;
      minSimilarity: number;
      detectMinConfidence: number;
      maxTps: number;
    };
  };
  /** Google Drive import: off (credentials undefined) unless a service account is configured. */
  drive: {
    credentials: DriveCredentials | undefined;
    /** Where the Drive API and the OAuth token endpoint are (Google's unless a proxy or a test stands in). */
    apiRootUrl: string;
    tokenUrl: string;
    pollSeconds: number;
    /** A call, or a download that sends nothing, for this long is abandoned (and tried again later). */
    timeoutSeconds: number;
  };
  /** Prometheus metrics at /metrics, behind a bearer token when one is set. */
  metrics: { enabled: boolean; token: string | undefined; /** Port of `findme worker`'s own /metrics. */ workerPort: number | undefined };
  /** Unit prices of the paid face service, for cost estimates. */
  prices: { usdPer1000Calls: number; usdPerFaceMonth: number };
  logLevel: RawConfig['LOG_LEVEL'];
  /** Which layers contributed, lowest precedence first (for `systemStatus`). */
  sources: ConfigSource[];
  ssmPrefix: string | undefined;
}

/** The parts of a service account key FindMe uses. The private key is a secret: never logged, never sent to a client. */
export interface DriveCredentials {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string | undefined;
}

export const GOOGLE_API_ROOT_URL = 'https://www.googleapis.com/';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** The process environment (defaults to `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Path of the `.env` file; `ENV_FILE` or `./.env` when not given. Missing is fine. */
  envFile?: string;
  /** Reads SSM parameters; only called when `APP_CONFIG_PREFIX` is set. */
  ssm?: (region: string | undefined) => SsmParameterSource;
}

type Layer = Record<string, string | undefined>;

/**
 * Loads configuration with precedence defaults < `.env` < environment < SSM
 * Parameter Store, validates it, and resolves the secret key (generated once and
 * kept under DATA_DIR outside production).
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<AppConfig> {
  const env = options.env ?? process.env;
  const sources: ConfigSource[] = ['defaults'];
  const envFile = options.envFile ?? env['ENV_FILE'] ?? '.env';
  let fileLayer: Layer = {};
  if (existsSync(envFile)) {
    fileLayer = dotenv.parse(readFileSync(envFile));
    sources.push('.env');
  }
  const envLayer = pickKnown(env);
  if (Object.keys(envLayer).length > 0) sources.push('environment');

  let merged: Layer = { ...fileLayer, ...envLayer };
  const prefix = blankToUndefined(merged['APP_CONFIG_PREFIX']);
  if (prefix !== undefined) {
    const region = blankToUndefined(merged['AWS_REGION']);
    if (!options.ssm) throw new ConfigError('APP_CONFIG_PREFIX is set but no SSM client is available');
    const ssmLayer = await options.ssm(region).load(prefix);
    merged = { ...merged, ...pickKnown(ssmLayer) };
    sources.push(`ssm:${prefix}`);
  }

  const parsed = rawConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  return toAppConfig(parsed.data, sources, prefix);
}

function pickKnown(layer: Layer): Layer {
  const known = new Set(Object.keys(rawConfigSchema.shape));
  return Object.fromEntries(Object.entries(layer).filter(([key, v]) => known.has(key) && v !== undefined));
}

function blankToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function describeIssues(error: z.ZodError): string {
  const lines = error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`);
  return `Invalid configuration: ${lines.join('; ')}`;
}

async function toAppConfig(raw: RawConfig, sources: ConfigSource[], ssmPrefix: string | undefined): Promise<AppConfig> {
  const isProduction = raw.NODE_ENV === 'production';
  const dataDir = path.resolve(raw.DATA_DIR);
  let secretKey = raw.SECRET_KEY;
  if (secretKey === undefined) {
    if (isProduction) throw new ConfigError('SECRET_KEY: is required when NODE_ENV=production');
    secretKey = await persistedSecretKey(dataDir);
  }
  // A mailed link must work for whoever reads it: in production it never names a guessed address.
  if (isProduction && raw.SMTP_URL !== undefined && raw.PUBLIC_URL === undefined) {
    throw new ConfigError('PUBLIC_URL: is required when NODE_ENV=production and SMTP_URL is set (the address mailed links name, e.g. https://photos.example.org)');
  }
  const displayHost = raw.HOST === '0.0.0.0' || raw.HOST === '::' ? 'localhost' : raw.HOST;
  return {
    env: raw.NODE_ENV,
    isProduction,
    http: {
      host: raw.HOST,
      port: raw.PORT,
      publicUrl: (raw.PUBLIC_URL ?? `http://${displayHost}:${raw.PORT}`).replace(/\/+$/, ''),
      publicUrlConfigured: raw.PUBLIC_URL !== undefined,
      corsOrigins: raw.CORS_ORIGINS,
      trustProxy: raw.TRUST_PROXY,
      introspection: raw.INTROSPECTION ?? !isProduction,
    },
    dataDir,
    database: { url: raw.DATABASE_URL, embeddedPort: raw.EMBEDDED_PG_PORT },
    auth: {
      secretKey,
      jwtTtlSeconds: raw.JWT_TTL_SECONDS,
      refreshTtlSeconds: raw.REFRESH_TOKEN_TTL_DAYS * 24 * 3600,
      adminEmails: raw.ADMIN_EMAILS.map((e) => e.toLowerCase()),
      passwordResetTtlSeconds: raw.PASSWORD_RESET_TTL_SECONDS,
      signInLinkTtlSeconds: raw.SIGN_IN_LINK_TTL_SECONDS,
    },
    rateLimits: {
      loginFailuresPerEmail: raw.LOGIN_MAX_FAILURES_PER_EMAIL,
      loginFailuresPerIp: raw.LOGIN_MAX_FAILURES_PER_IP,
      loginFailureWindowSeconds: raw.LOGIN_FAILURE_WINDOW_SECONDS,
      passwordResetsPerEmail: raw.PASSWORD_RESET_MAX_PER_EMAIL,
      passwordResetWindowSeconds: raw.PASSWORD_RESET_WINDOW_SECONDS,
      passwordResetsPerIp: raw.PASSWORD_RESET_MAX_PER_IP,
      registrationsPerIp: raw.REGISTER_MAX_PER_IP,
      registrationWindowSeconds: raw.REGISTER_WINDOW_SECONDS,
      uploadRequestsPerAccount: raw.UPLOAD_REQUESTS_MAX_PER_ACCOUNT,
      uploadRequestsPerIp: raw.UPLOAD_REQUESTS_MAX_PER_IP,
      uploadRequestWindowSeconds: raw.UPLOAD_REQUESTS_WINDOW_SECONDS,
      selfieUploadsPerAccount: raw.SELFIE_UPLOADS_MAX_PER_ACCOUNT,
      selfieUploadsPerIp: raw.SELFIE_UPLOADS_MAX_PER_IP,
      selfieUploadWindowSeconds: raw.SELFIE_UPLOADS_WINDOW_SECONDS,
      codeLookupFailuresPerIp: raw.EVENT_CODE_FAILURES_PER_IP,
      codeLookupFailuresPerAccount: raw.EVENT_CODE_FAILURES_PER_ACCOUNT,
      codeLookupWindowSeconds: raw.EVENT_CODE_FAILURE_WINDOW_SECONDS,
    },
    graphql: {
      maxDepth: raw.GRAPHQL_MAX_DEPTH,
      maxCost: raw.GRAPHQL_MAX_COST,
      maxAliases: raw.GRAPHQL_MAX_ALIASES,
      maxDirectives: raw.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: raw.GRAPHQL_MAX_TOKENS,
      maxOperations: raw.GRAPHQL_MAX_OPERATIONS,
      maxDocumentBytes: raw.GRAPHQL_MAX_DOCUMENT_BYTES,
      maxBodyBytes: raw.HTTP_MAX_BODY_BYTES,
      wsConnectionInitTimeoutMs: raw.WS_CONNECTION_INIT_TIMEOUT_MS,
      wsMaxSubscriptionsPerConnection: raw.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    },
    privacy: {
      faceRetentionDays: raw.FACE_RETENTION_DAYS,
      retentionSweepIntervalSeconds: raw.RETENTION_SWEEP_INTERVAL_SECONDS,
    },
    mail: {
      smtpUrl: raw.SMTP_URL,
      from: raw.MAIL_FROM,
      newPhotos: { delaySeconds: raw.NEW_PHOTO_EMAIL_DELAY_SECONDS, intervalSeconds: raw.NEW_PHOTO_EMAIL_INTERVAL_SECONDS },
    },
    worker: { enabled: raw.PHOTO_WORKER_ENABLED, concurrency: raw.PHOTO_WORKER_CONCURRENCY ?? os.availableParallelism() },
    photos: {
      maxBytes: raw.PHOTO_MAX_BYTES,
      maxPixels: raw.PHOTO_MAX_PIXELS,
      displayMozjpeg: raw.PHOTO_DISPLAY_MOZJPEG,
      batchMax: raw.PHOTO_BATCH_MAX,
      uploadUrlTtlSeconds: raw.UPLOAD_URL_TTL_SECONDS,
      downloadUrlTtlSeconds: raw.DOWNLOAD_URL_TTL_SECONDS,
      archiveConcurrency: { perServer: raw.ARCHIVE_MAX_CONCURRENT, perUser: raw.ARCHIVE_MAX_CONCURRENT_PER_USER },
      progressMinIntervalMs: raw.PROGRESS_MIN_INTERVAL_MS,
    },
    storage: storageConfig(raw, dataDir),
    queue: {
      driver: queueDriver(raw),
      staleSweepIntervalSeconds: raw.STALE_JOB_SWEEP_INTERVAL_SECONDS,
      sqsQueueUrl: raw.PHOTO_SQS_QUEUE_URL,
      sqsVisibilityTimeoutSeconds: raw.SQS_VISIBILITY_TIMEOUT_SECONDS,
      sqsWaitTimeSeconds: raw.SQS_WAIT_TIME_SECONDS,
      maxAttempts: raw.PHOTO_JOB_MAX_ATTEMPTS,
      retryDelaySeconds: raw.PHOTO_JOB_RETRY_DELAY_SECONDS,
      jobTimeoutSeconds: raw.PHOTO_JOB_TIMEOUT_SECONDS,
      maintenanceIntervalSeconds: raw.QUEUE_MAINTENANCE_INTERVAL_SECONDS,
    },
    awsRegion: raw.AWS_REGION,
    faces: {
      provider: raw.FACE_RECOGNIZER_PROVIDER,
      threads: raw.FACE_WORKER_THREADS ?? os.availableParallelism(),
      maxDistance: raw.LOCAL_MATCH_MAX_DISTANCE,
      minConfidence: raw.LOCAL_DETECT_MIN_CONFIDENCE,
      tileSize: raw.LOCAL_DETECT_TILE_SIZE,
      maxSide: raw.LOCAL_DETECT_MAX_SIDE,
      selfieMinFacePx: raw.SELFIE_MIN_FACE_PX,
      selfieMinSharpness: raw.SELFIE_MIN_SHARPNESS,
      selfieMaxBytes: raw.SELFIE_MAX_BYTES,
      batchMatchDelaySeconds: raw.BATCH_MATCH_DELAY_SECONDS,
      rekognition: {
        region: raw.REKOGNITION_REGION ?? raw.AWS_REGION,
        collectionPrefix: raw.REKOGNITION_COLLECTION_PREFIX,
        faceThreshold: raw.AWS_REKOGNITION_FACE_THRESHOLD,
        minSimilarity: raw.AWS_MATCH_MIN_SIMILARITY,
        detectMinConfidence: raw.AWS_REKOGNITION_DETECT_MIN_CONF,
        maxTps: raw.REKOGNITION_MAX_TPS,
      },
    },
    drive: {
      credentials: raw.GOOGLE_SERVICE_ACCOUNT_JSON === undefined ? undefined : await driveCredentials(raw.GOOGLE_SERVICE_ACCOUNT_JSON),
      apiRootUrl: withTrailingSlash(raw.GOOGLE_API_ROOT_URL ?? GOOGLE_API_ROOT_URL),
      tokenUrl: raw.GOOGLE_TOKEN_URL ?? GOOGLE_TOKEN_URL,
      pollSeconds: raw.DRIVE_POLL_SECONDS,
      timeoutSeconds: raw.DRIVE_TIMEOUT_SECONDS,
    },
    metrics: { enabled: raw.METRICS_ENABLED, token: raw.METRICS_TOKEN, workerPort: raw.METRICS_PORT },
    prices: { usdPer1000Calls: raw.REKOGNITION_USD_PER_1000_CALLS, usdPerFaceMonth: raw.REKOGNITION_USD_PER_FACE_MONTH },
    logLevel: raw.LOG_LEVEL,
    sources,
    ssmPrefix,
  };
}

/** A bucket name means S3 unless OBJECT_STORE_DRIVER says otherwise. */
function storageConfig(raw: RawConfig, dataDir: string): AppConfig['storage'] {
  const driver = raw.OBJECT_STORE_DRIVER ?? (raw.PHOTO_BUCKET_NAME ? 's3' : 'local');
  if (driver === 'local') return { driver, dir: path.join(dataDir, 'objects') };
  if (!raw.PHOTO_BUCKET_NAME) throw new ConfigError('PHOTO_BUCKET_NAME: is required when OBJECT_STORE_DRIVER=s3');
  return {
    driver,
    bucket: raw.PHOTO_BUCKET_NAME,
    endpoint: raw.S3_ENDPOINT,
    forcePathStyle: raw.S3_FORCE_PATH_STYLE ?? raw.S3_ENDPOINT !== undefined,
    region: raw.AWS_REGION,
  };
}

/** A queue URL means SQS unless JOB_QUEUE_DRIVER says otherwise. */
function queueDriver(raw: RawConfig): 'postgres' | 'sqs' {
  const driver = raw.JOB_QUEUE_DRIVER ?? (raw.PHOTO_SQS_QUEUE_URL ? 'sqs' : 'postgres');
  if (driver === 'sqs' && !raw.PHOTO_SQS_QUEUE_URL) throw new ConfigError('PHOTO_SQS_QUEUE_URL: is required when JOB_QUEUE_DRIVER=sqs');
  return driver;
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * GOOGLE_SERVICE_ACCOUNT_JSON: the key file's JSON, or a path to it. Errors
 * name the setting and what is wrong, never the key's content.
 */
async function driveCredentials(value: string): Promise<DriveCredentials> {
  let json = value;
  if (!value.startsWith('{')) {
    try {
      json = await readFile(value, 'utf8');
    } catch (err) {
      throw new ConfigError(`GOOGLE_SERVICE_ACCOUNT_JSON: cannot read the key file ${value} (${(err as NodeJS.ErrnoException).code ?? 'error'}); give its path or the JSON itself`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError('GOOGLE_SERVICE_ACCOUNT_JSON: is not valid JSON (download the key of the service account as JSON from the Google Cloud console)');
  }
  const key = z
    .object({ type: z.literal('service_account').optional(), client_email: z.email(), private_key: z.string().includes('PRIVATE KEY'), private_key_id: z.string().optional() })
    .safeParse(parsed);
  if (!key.success) {
    const fields = [...new Set(key.error.issues.map((i) => i.path.join('.')))].join(', ');
    throw new ConfigError(`GOOGLE_SERVICE_ACCOUNT_JSON: not a service account key (missing or wrong: ${fields})`);
  }
  return { clientEmail: key.data.client_email, privateKey: key.data.private_key, privateKeyId: key.data.private_key_id };
}

/** Reads DATA_DIR/secret-key, creating it (0600) with 48 random bytes the first time. */
async function persistedSecretKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'secret-key');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(48).toString('base64url');
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'w' });
  await chmod(file, 0o600);
  return key;
}
