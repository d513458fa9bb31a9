import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { writeFile, readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { Logger } from 'pino';
import { Application, openDatabase } from '../composition/application.js';
import { ConfigError, loadConfig, type AppConfig } from '../config/config.js';
import { AwsSsmParameterSource } from '../config/ssm.js';
import { migrate } from '../db/orm.js';
import { DomainError } from '../domain/errors.js';
import { createSchema, printSortedSchema } from '../graphql/schema.js';
import { createLogger } from '../logger.js';
import { FacePool } from '../adapters/faces/local/face-pool.js';
import { S3ObjectStore } from '../adapters/storage/s3.object-store.js';
import { distance, PHOTO_PAIR_MAX_DISTANCE, similarityOf } from '../adapters/faces/local/local.face-engine.js';
import { CliError, describeFailure } from './client/api.js';
import { readStdinLine } from './client/prompt.js';
import { registerClientCommands } from './client/commands.js';

async function boot(): Promise<{ config: AppConfig; logger: Logger }> {
  const config = await loadConfig({ ssm: (region) => AwsSsmParameterSource.create(region) });
  return { config, logger: createLogger(config.logLevel) };
}

/** Runs `stop` on SIGTERM/SIGINT once; a second signal exits at once. */
function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

async function serve(): Promise<void> {
  const started = Date.now();
  const { config, logger } = await boot();
  const db = await openDatabase(config, logger);
  const app = new Application(config, logger, db);
  onShutdown(logger, () => app.close());
  await app.prepare();
  const http = await app.listen();
  if (config.worker.enabled) await app.startWorker();
  await app.serveMetricsPort();
  const network = app.reachableAt().filter((url) => url !== http.url);
  logger.info(
    { url: `${http.url}/graphql`, networkAddresses: network, startupMs: Date.now() - started, configSources: config.sources },
    `FindMe API listening on ${http.url}/graphql`,
  );
  // For the photographer at the venue: the address phones on the same network open (the QR card's).
  process.stderr.write(
    network.length > 0
      ? `FindMe is running. On this computer: ${http.url}  From phones on this network: ${network.join('  ')}\n`
      : `FindMe is running at ${http.url} (reachable from this computer only: set HOST=0.0.0.0 to let phones in).\n`,
  );
}

async function worker(): Promise<void> {
  const { config, logger } = await boot();
  const db = await openDatabase(config, logger);
  const app = new Application(config, logger, db);
  onShutdown(logger, () => app.close());
  await app.prepare();
  await app.startWorker();
  await app.serveMetricsPort();
}

async function runMigrations(): Promise<void> {
  const { config, logger } = await boot();
  const db = await openDatabase(config, logger);
  try {
    const applied = await migrate(db.orm);
    logger.info({ migrations: applied }, 'migrate finished');
    process.stdout.write(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'The database is up to date.\n');
  } finally {
    await db.close();
  }
}

async function createAdmin(email: string, options: { name?: string; passwordStdin?: boolean }): Promise<void> {
  const chosen = options.passwordStdin ? await readStdinLine('Password') : undefined;
  const { config, logger } = await boot();
  const db = await openDatabase(config, logger);
  try {
    await migrate(db.orm);
    const app = new Application(config, logger, db);
    const password = chosen ?? randomBytes(12).toString('base64url');
    const { user, created } = await app.services(db.orm.em.fork()).accounts.createAdmin(email, password, options.name ?? 'Administrator');
    if (created) {
      process.stdout.write(`Created administrator ${user.email}.\n`);
    } else {
      // Whoever registered the address first may not be its owner: the account is taken over, not promoted.
      process.stdout.write(`${user.email} was already registered: it is now an administrator with the new password, and every session of it was ended.\n`);
    }
    if (!chosen) process.stdout.write(`Password (shown once): ${password}\n`);
  } finally {
    await db.close();
  }
}

async function schema(options: { write?: string; check?: string }): Promise<void> {
  const sdl = printSortedSchema(await createSchema());
  if (options.check) {
    const committed = await readFile(options.check, 'utf8');
    if (committed !== sdl) throw new Error(`${options.check} differs from the schema the code emits; run npm run schema`);
    process.stdout.write(`${options.check} is up to date\n`);
  } else if (options.write) {
    await writeFile(options.write, sdl);
    process.stdout.write(`wrote ${options.write}\n`);
  } else {
    process.stdout.write(sdl);
  }
}

async function withFacePool<T>(run: (pool: FacePool, config: AppConfig) => Promise<T>): Promise<T> {
  const { config, logger } = await boot();
  const pool = new FacePool(1, logger);
  try {
    return await run(pool, config);
  } finally {
    await pool.close();
  }
}

function detectOptions(config: AppConfig) {
  const f = config.faces;
  // padIfNone: support often compares close-up selfies, which the detector misses as they are.
  return { minConfidence: f.minConfidence, tileSize: f.tileSize, maxSide: f.maxSide, padIfNone: true, sharpness: true };
}

async function facesDetect(image: string): Promise<void> {
  const result = await withFacePool(async (pool, config) => {
    const started = Date.now();
    const r = await pool.detect(await readFile(image), detectOptions(config));
    return {
      file: image,
      width: r.width,
      height: r.height,
      faces: r.faces.map((f, i) => ({
        box: f.box,
        pixels: {
          x: Math.round(f.box.left * r.width),
          y: Math.round(f.box.top * r.height),
          width: Math.round(f.box.width * r.width),
          height: Math.round(f.box.height * r.height),
        },
        score: Number(f.score.toFixed(4)),
        sharpness: Math.round(r.sharpness[i] ?? 0),
      })),
      tiles: r.tiles,
      ms: Date.now() - started,
    };
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

async function facesCompare(a: string, b: string): Promise<void> {
  const result = await withFacePool(async (pool, config) => {
    const [ra, rb] = [await pool.detect(await readFile(a), detectOptions(config)), await pool.detect(await readFile(b), detectOptions(config))];
    const largest = (r: typeof ra) => [...r.faces].sort((x, y) => y.box.width * y.box.height - x.box.width * x.box.height)[0];
    const fa = largest(ra);
    const fb = largest(rb);
    const d = fa && fb ? distance(fa.descriptor, fb.descriptor) : null;
    // Two photos, not a selfie against photos: the cutoff of its own, calibrated for single descriptors (bench/compare-cutoff).
    const threshold = PHOTO_PAIR_MAX_DISTANCE;
    return {
      facesA: ra.faces.length,
      facesB: rb.faces.length,
      distance: d === null ? null : Number(d.toFixed(4)),
      similarity: d === null ? null : similarityOf(d, threshold),
      same: d !== null && d <= threshold,
      threshold,
      thresholdKind: 'photo-to-photo',
      selfieThreshold: config.faces.maxDistance,
    };
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function s3Cors(options: { apply?: boolean }): Promise<void> {
  const { config } = await boot();
  if (config.storage.driver !== 's3') throw new CliError('the photos are not on S3 here: set PHOTO_BUCKET_NAME (STORAGE_DRIVER=s3).');
  const origins = [new URL(config.http.publicUrl).origin, ...config.http.corsOrigins];
  const rules = S3ObjectStore.corsRules(origins);
  process.stdout.write(`${JSON.stringify({ CORSRules: rules }, null, 2)}\n`);
  if (options.apply) {
    const store = S3ObjectStore.create(config.storage);
    await store.applyCors(rules);
    process.stderr.write(`CORS rules put on bucket ${config.storage.bucket} for ${[...new Set(origins)].join(', ')}\n`);
  }
}

const program = new Command('findme')
  .description('FindMe: event photos, found by face.')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

program
  .command('serve')
  .description('run the GraphQL API (HTTP and WebSocket on one port) and, unless PHOTO_WORKER_ENABLED=false, the photo worker')
  .action(serve);
program
  .command('worker')
  .description('process photo jobs only (no API); run several to scale out')
  .action(worker);
program.command('migrate').description('apply pending database migrations, then exit').action(runMigrations);
program
  .command('schema')
  .description('print the GraphQL schema (sorted SDL) as the code defines it')
  .option('--write <file>', 'write it to a file (schema.graphql)')
  .option('--check <file>', 'fail when the file differs from the emitted schema')
  .action(schema);
const faces = program.command('faces').description('look at faces the way the local engine does (support)');
faces
  .command('detect')
  .description('print the faces found in an image as JSON (boxes, scores)')
  .argument('<image>', 'a JPEG, PNG or WebP file')
  .action(facesDetect);
faces
  .command('compare')
  .description('compare the largest face of two images: JSON with distance, similarity and whether they match')
  .argument('<imageA>')
  .argument('<imageB>')
  .action(facesCompare);
const s3 = program.command('s3').description('the S3 bucket of photos (STORAGE_DRIVER=s3)');
s3.command('cors')
  .description("print the bucket's CORS rules for the web app's origins (PUBLIC_URL and CORS_ORIGINS); --apply puts them on the bucket")
  .option('--apply', 'put the rules on the bucket, replacing its CORS configuration')
  .action(s3Cors);
registerClientCommands(program);
const admin = program.command('admin').description('operator tasks');
admin
  .command('create')
  .description("create an administrator; an existing account with the address gets the new password, loses every session and becomes ADMIN")
  .argument('<email>', 'the account email')
  .option('--name <name>', 'display name of a new account', 'Administrator')
  .option('--password-stdin', 'read the password from standard input (generated and printed once otherwise)')
  .action(createAdmin);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DomainError || err instanceof CliError) {
    process.stderr.write(`findme: ${err.message}\n`);
  } else {
    process.stderr.write(`findme: ${err instanceof Error ? (err.stack ?? err.message) : describeFailure(err)}\n`);
  }
  process.exit(1);
});
