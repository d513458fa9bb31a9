import proxyaddr from 'proxy-addr';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * Every setting FindMe reads, by its environment-variable name. Values arrive as
 * strings from `.env`, the environment or SSM and are coerced here, so a bad one
 * fails start-up with the variable's name instead of misbehaving later.
 */
export const rawConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(0, 65535).default(4000),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  DATA_DIR: z.string().min(1).default('./.findme'),
  DATABASE_URL: optionalString.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  ),
  EMBEDDED_PG_PORT: int(1, 65535).optional(),
  SECRET_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  JWT_TTL_SECONDS: int(60, 30 * 24 * 3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: int(1, 365).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: list.default([]),
  /** `false`, a hop count (`1`) or proxy addresses and CIDRs (`10.0.0.0/8,127.0.0.1`); never `true`. */
  TRUST_PROXY: optionalString.transform((value, ctx) => {
    const v = value?.trim().toLowerCase();
    if (v === undefined || v === '' || v === 'false' || v === '0') return false as const;
    if (v === 'true') {
      ctx.addIssue({ code: 'custom', message: 'true would trust any client to choose its own IP address through X-Forwarded-For; give the number of proxies in front of FindMe (e.g. 1) or their addresses or CIDR ranges' });
      return z.NEVER;
    }
    if (/^\d+$/.test(v)) return Number(v);
    const list = v.split(',').map((a) => a.trim()).filter(Boolean);
    try {
      proxyaddr.compile(list);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a hop count nor a list of IP addresses or CIDR ranges (${(err as Error).message})` });
      return z.NEVER;
    }
    return list;
  }),
  INTROSPECTION: bool.optional(),
  ADMIN_EMAILS: list.default([]),
  SMTP_URL: optionalString.pipe(z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional()),
  MAIL_FROM: z.string().default('FindMe <no-reply@findme.local>'),
  PASSWORD_RESET_TTL_SECONDS: int(60, 7 * 24 * 3600).default(1800),
  SIGN_IN_LINK_TTL_SECONDS: int(60, 24 * 3600).default(900),
  LOGIN_MAX_FAILURES_PER_EMAIL: int(1, 1000).default(5),
  LOGIN_MAX_FAILURES_PER_IP: int(1, 100000).default(50),
  LOGIN_FAILURE_WINDOW_SECONDS: int(1, 24 * 3600).default(900),
  PASSWORD_RESET_MAX_PER_EMAIL: int(1, 1000).default(3),
  PASSWORD_RESET_WINDOW_SECONDS: int(1, 24 * 3600).default(3600),
  REGISTER_MAX_PER_IP: int(1, 100000).default(20),
  REGISTER_WINDOW_SECONDS: int(1, 24 * 3600).default(3600),
  PASSWORD_RESET_MAX_PER_IP: int(1, 100000).default(20),
  UPLOAD_REQUESTS_MAX_PER_ACCOUNT: int(1, 100000).default(120),
  UPLOAD_REQUESTS_MAX_PER_IP: int(1, 100000).default(600),
  UPLOAD_REQUESTS_WINDOW_SECONDS: int(1, 24 * 3600).default(60),
  SELFIE_UPLOADS_MAX_PER_ACCOUNT: int(1, 10000).default(10),
  SELFIE_UPLOADS_MAX_PER_IP: int(1, 100000).default(100),
  SELFIE_UPLOADS_WINDOW_SECONDS: int(1, 24 * 3600).default(3600),
  EVENT_CODE_FAILURES_PER_IP: int(1, 1_000_000).default(30),
  EVENT_CODE_FAILURES_PER_ACCOUNT: int(1, 1_000_000).default(30),
  EVENT_CODE_FAILURE_WINDOW_SECONDS: int(1, 86_400).default(600),
  GRAPHQL_MAX_DEPTH: int(2, 100).default(12),
  GRAPHQL_MAX_COST: int(10, 10_000_000).default(5000),
  GRAPHQL_MAX_ALIASES: int(1, 1000).default(30),
  GRAPHQL_MAX_DIRECTIVES: int(1, 1000).default(50),
  GRAPHQL_MAX_TOKENS: int(100, 100_000).default(4000),
  GRAPHQL_MAX_OPERATIONS: int(1, 100).default(1),
  GRAPHQL_MAX_DOCUMENT_BYTES: int(256, 1024 * 1024).default(16 * 1024),
  HTTP_MAX_BODY_BYTES: int(1024, 50 * 1024 * 1024).default(256 * 1024),
  WS_CONNECTION_INIT_TIMEOUT_MS: int(100, 120_000).default(5000),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: int(1, 1000).default(20),
  FACE_RETENTION_DAYS: int(1, 1095).default(90),
  RETENTION_SWEEP_INTERVAL_SECONDS: int(1, 7 * 24 * 3600).default(3600),
  STALE_JOB_SWEEP_INTERVAL_SECONDS: int(1, 3600).default(60),
  PHOTO_WORKER_ENABLED: bool.default(true),
  PHOTO_WORKER_CONCURRENCY: int(1, 64).optional(),
  PHOTO_MAX_BYTES: int(1024, 200 * 1024 * 1024).default(40 * 1024 * 1024),
  PHOTO_MAX_PIXELS: int(1_000_000, 1_000_000_000).default(100_000_000),
  PHOTO_DISPLAY_MOZJPEG: bool.default(true),
  PHOTO_BATCH_MAX: int(1, 5000).default(500),
  UPLOAD_URL_TTL_SECONDS: int(30, 7 * 24 * 3600).default(900),
  DOWNLOAD_URL_TTL_SECONDS: int(30, 7 * 24 * 3600).default(900),
  ARCHIVE_MAX_CONCURRENT: int(1, 1000).default(8),
  ARCHIVE_MAX_CONCURRENT_PER_USER: int(1, 100).default(2),
  OBJECT_STORE_DRIVER: z.enum(['local', 's3']).optional(),
  PHOTO_BUCKET_NAME: optionalString,
  S3_ENDPOINT: optionalString.pipe(z.url().optional()),
  S3_FORCE_PATH_STYLE: bool.optional(),
  JOB_QUEUE_DRIVER: z.enum(['postgres', 'sqs']).optional(),
  PHOTO_SQS_QUEUE_URL: optionalString.pipe(z.url().optional()),
  SQS_VISIBILITY_TIMEOUT_SECONDS: int(10, 43200).default(120),
  SQS_WAIT_TIME_SECONDS: int(0, 20).default(20),
  PHOTO_JOB_MAX_ATTEMPTS: int(1, 50).default(5),
  PHOTO_JOB_RETRY_DELAY_SECONDS: int(1, 3600).default(5),
  PHOTO_JOB_TIMEOUT_SECONDS: int(5, 3600).default(300),
  QUEUE_MAINTENANCE_INTERVAL_SECONDS: int(1, 3600).default(30),
  PROGRESS_MIN_INTERVAL_MS: int(0, 60_000).default(250),
  FACE_RECOGNIZER_PROVIDER: z.enum(['local', 'aws', 'none']).default('local'),
  FACE_WORKER_THREADS: int(1, 64).optional(),
  LOCAL_MATCH_MAX_DISTANCE: z.coerce.number().min(0.1).max(1.5).default(0.54),
  LOCAL_DETECT_MIN_CONFIDENCE: z.coerce.number().min(0.05).max(0.99).default(0.5),
  LOCAL_DETECT_TILE_SIZE: int(0, 8192).default(1024),
  LOCAL_DETECT_MAX_SIDE: int(256, 16384).default(6144),
  SELFIE_MIN_FACE_PX: int(16, 4096).default(80),
  SELFIE_MIN_SHARPNESS: z.coerce.number().min(0).max(10000).default(30),
  SELFIE_MAX_BYTES: int(1024, 50 * 1024 * 1024).default(15 * 1024 * 1024),
  REKOGNITION_REGION: optionalString,
  REKOGNITION_COLLECTION_PREFIX: z.string().regex(/^[a-zA-Z0-9_.-]*$/, 'letters, digits, _ . - only').default('findme-'),
  AWS_REKOGNITION_FACE_THRESHOLD: z.coerce.number().min(0).max(100).default(90),
  AWS_MATCH_MIN_SIMILARITY: z.coerce.number().min(0).max(100).default(90),
  AWS_REKOGNITION_DETECT_MIN_CONF: z.coerce.number().min(0).max(100).default(90),
  BATCH_MATCH_DELAY_SECONDS: int(1, 900).default(20),
  NEW_PHOTO_EMAIL_DELAY_SECONDS: int(0, 3600).default(60),
  NEW_PHOTO_EMAIL_INTERVAL_SECONDS: int(1, 7 * 24 * 3600).default(900),
  REKOGNITION_MAX_TPS: z.coerce.number().min(0.1).max(1000).default(5),
  METRICS_ENABLED: bool.default(true),
  METRICS_PORT: int(1, 65535).optional(),
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  REKOGNITION_USD_PER_1000_CALLS: z.coerce.number().min(0).max(1000).default(1),
  REKOGNITION_USD_PER_FACE_MONTH: z.coerce.number().min(0).max(1).default(0.00001),
  /** A Google service account's key: a path to its JSON file, or the JSON itself. Unset: no Drive import. */
  GOOGLE_SERVICE_ACCOUNT_JSON: optionalString,
  GOOGLE_API_ROOT_URL: optionalString.pipe(z.url().optional()),
  GOOGLE_TOKEN_URL: optionalString.pipe(z.url().optional()),
  /** How often a connected Drive folder is checked for new photos (SQS delays a message 15 minutes at most). */
  DRIVE_POLL_SECONDS: int(1, 900).default(60),
  /** A Drive call, or a download that sends nothing, for this long is abandoned and tried again later. */
  DRIVE_TIMEOUT_SECONDS: int(1, 600).default(60),
  APP_CONFIG_PREFIX: optionalString,
  AWS_REGION: optionalString,
});

export type RawConfig = z.infer<typeof rawConfigSchema>;

/** The names of every setting, for `.env` documentation and SSM key mapping. */
