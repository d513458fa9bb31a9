import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { PgMatchRepository } from '../adapters/pg/pg.match.repository.js';
import { PgPhotoRepository } from '../adapters/pg/pg.photo.repository.js';
import { PgWorkerHeartbeat } from '../adapters/pg/pg.worker-heartbeats.js';
import { PgRateLimiter } from '../adapters/rate-limit/pg.rate-limiter.js';
import type { AppConfig } from '../config/config.js';
import { JobRegistry } from '../worker/jobs.js';
import { Maintenance, releaseOrphanedPhotos, requeueStalePhotos } from '../worker/maintenance.js';
import { sharpImageProcessor } from '../adapters/image/sharp.image-processor.js';
import { PhotoPipeline } from '../services/photo-pipeline.service.js';
import { SelfieMatching } from '../services/selfie-matching.service.js';
import { eventMatchJob, participantMatchJob, photoJob, selfieJob } from '../worker/handlers.js';
import { MatchingService } from '../services/matching.service.js';
import { DriveImporter } from '../services/drive-importer.service.js';
import { PgDriveImports } from '../adapters/pg/pg.drive-imports.js';
import { acceptedPhotoTypes } from './adapters.js';
import type { Adapters } from './adapters.js';
import type { Database } from './database.js';
import type { ServiceFactory } from './services.js';

/**
 * The photo worker of one process: every job's handler (checked by the job
 * registry before any job is taken), a heartbeat, and the maintenance chores.
 */
export class WorkerProcess {
  private readonly maintenance: Maintenance;
  private heartbeat: PgWorkerHeartbeat | undefined;
  private running = false;
  private stopDigests: (() => void) | undefined;
  private driveImporter: DriveImporter | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly adapters: Adapters,
    private readonly db: Database,
    private readonly services: ServiceFactory,
    private readonly logger: Logger,
  ) {
    this.maintenance = new Maintenance(logger.child({ component: 'maintenance' }));
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const { config, adapters, db, logger } = this;
    const { store, faces, bus, clock, queue, telemetry } = adapters;
    const fork = () => db.orm.em.fork();
    this.heartbeat = new PgWorkerHeartbeat(fork, `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, config.worker.concurrency);
    const workerLogger = logger.child({ component: 'worker' });
    const photos = new PgPhotoRepository(fork);
    const matchRepository = (em: EntityManager) => new PgMatchRepository(em);
    const pipeline = new PhotoPipeline({
      orm: db.orm,
      store,
      faces,
      bus,
      clock,
      logger: workerLogger,
      limits: { maxBytes: config.photos.maxBytes, maxPixels: config.photos.maxPixels, mozjpeg: config.photos.displayMozjpeg },
      images: sharpImageProcessor,
      photos,
      matchRepository,
      queue,
      batchMatchDelaySeconds: config.faces.batchMatchDelaySeconds,
      telemetry,
      workerId: this.heartbeat.workerId,
    });
    const matching = () => new MatchingService({ matches: matchRepository(db.orm.em.fork()), faces, bus });
    const driveImporter = adapters.drive
      ? new DriveImporter({
          fork,
          source: adapters.drive,
          imports: (em) => new PgDriveImports(() => em),
          photos,
          store,
          queue,
          bus,
          sniff: sharpImageProcessor.sniff,
          logger: workerLogger.child({ component: 'drive' }),
          owner: this.heartbeat.workerId,
          settings: { pollSeconds: config.drive.pollSeconds, timeoutSeconds: config.drive.timeoutSeconds, maxBytes: config.photos.maxBytes, acceptedTypes: acceptedPhotoTypes() },
        })
      : undefined;
    this.driveImporter = driveImporter;
    const selfies = new SelfieMatching({ orm: db.orm, store, faces, images: sharpImageProcessor, matchRepository, bus, logger: workerLogger, telemetry });
    await new JobRegistry(logger)
      .registerAll({
        'photo.process': { handler: photoJob(pipeline), concurrency: config.worker.concurrency },
        'selfie.process': { handler: selfieJob(selfies), concurrency: config.worker.concurrency },
        'event.match': { handler: eventMatchJob({ matching, logger }), concurrency: 1 },
        'participant.match': { handler: participantMatchJob({ matching, logger: workerLogger }), concurrency: 1 },
        'account.link': { handler: (job) => this.services(fork(), workerLogger).accounts.deliverLink(job.payload), concurrency: 2 },
        'storage.purge': { handler: adapters.erasure.handle, concurrency: 1 },
        'event.delete': { handler: (job) => this.services(fork(), workerLogger).privacy.deleteMarkedEvent(job.payload.eventId), concurrency: 1 },
        'digest.send': { handler: (job) => this.services(fork(), workerLogger).newPhotoEmails.send(job.payload), concurrency: 1 },
        'drive.poll': {
          handler: async (job) => {
            if (driveImporter) return driveImporter.check(job.payload.importId);
            workerLogger.warn({ importId: job.payload.importId }, 'a Drive folder waits for a check, but this worker has no GOOGLE_SERVICE_ACCOUNT_JSON');
            return 'skipped';
          },
          concurrency: 2,
        },
      })
      .start(queue);
    // New matches of guests who asked to be emailed about them: one waiting job per guest and event.
    this.stopDigests = bus.subscribe('match.created', (m) => {
      this.services(fork(), workerLogger)
        .newPhotoEmails.matched(m)
        .catch((err: unknown) => workerLogger.warn({ err, userId: m.userId, eventId: m.eventId }, 'could not schedule the new-photo email'));
    });
    const heartbeat = this.heartbeat;
    await heartbeat.beat();
    const privacy = () => this.services(fork(), logger).privacy;
    this.maintenance.start([
      { name: 'worker-heartbeat', intervalSeconds: 10, run: () => heartbeat.beat() },
      { name: 'face-data-retention', intervalSeconds: config.privacy.retentionSweepIntervalSeconds, run: () => privacy().purgeExpiredFaceData() },
      {
        name: 'stale-photo-jobs',
        intervalSeconds: config.queue.staleSweepIntervalSeconds,
        run: () => requeueStalePhotos({ photos, queue, logger, staleAfterSeconds: 2 * config.queue.jobTimeoutSeconds }),
      },
      { name: 'replaced-selfie-faces', intervalSeconds: 300, run: () => privacy().purgeReplacedSelfieFaces() },
      {
        name: 'orphaned-photo-jobs',
        intervalSeconds: 15,
        run: () => releaseOrphanedPhotos({ photos, queue, bus, logger, silentAfterSeconds: 30 }),
      },
      { name: 'rate-limit-sweep', intervalSeconds: 3600, run: () => new PgRateLimiter(fork()).sweep() },
      { name: 'credential-sweep', intervalSeconds: 3600, run: () => privacy().sweepExpiredCredentials() },
      ...(driveImporter ? [{ name: 'drive-imports', intervalSeconds: 10, run: () => driveImporter.requeueOverdue() }] : []),
    ]);
    this.running = true;
    logger.info({ queue: queue.driver, concurrency: config.worker.concurrency, faces: faces.name }, 'photo worker started');
  }

  /** Stops the chores and removes the heartbeat (the queue itself is stopped by the process). */
  async stop(): Promise<void> {
    this.stopDigests?.();
    this.driveImporter?.stop();
    await this.maintenance.stop();
    await this.heartbeat?.remove().catch((err: unknown) => this.logger.warn({ err }, 'could not remove the worker heartbeat'));
  }
}
