import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { PgOpsRepository } from '../adapters/pg/pg.ops.repository.js';
import { PgPhotoRepository } from '../adapters/pg/pg.photo.repository.js';
import { PgPrivacyRepository } from '../adapters/pg/pg.privacy.repository.js';
import { PgParticipationRepository } from '../adapters/pg/pg.participation.repository.js';
import { PgRateLimiter } from '../adapters/rate-limit/pg.rate-limiter.js';
import type { AppConfig } from '../config/config.js';
import type { RequestServices } from '../graphql/context.js';
import { AccountService } from '../services/account.service.js';
import { AdminService, type AdminSettings } from '../services/admin.service.js';
import { ArchiveService } from '../services/archive.service.js';
import { NewPhotoEmails } from '../services/new-photo-emails.service.js';
import { EventService } from '../services/event.service.js';
import { PhotoService } from '../services/photo.service.js';
import { PrivacyService } from '../services/privacy.service.js';
import { SelfieService } from '../services/selfie.service.js';
import { PEOPLE_LIMITS, PeopleService } from '../services/people.service.js';
import { PgMatchRepository } from '../adapters/pg/pg.match.repository.js';
import { WallService } from '../services/wall.service.js';
import { DriveImportService } from '../services/drive-import.service.js';
import { PgDriveImports } from '../adapters/pg/pg.drive-imports.js';
import type { SessionCache } from '../services/session-cache.js';
import { Throttle } from '../services/throttle.js';
import { acceptedPhotoTypes, type Adapters } from './adapters.js';

/**
 * Builds the services of one unit of work (a request, a job) on its
 * EntityManager. `origin`: the address the client reached FindMe at, for the
 * URLs handed back to that client (none for jobs: their links use PUBLIC_URL).
 */
export type ServiceFactory = (em: EntityManager, logger: Logger, origin?: string) => RequestServices;

/** The services, wired to the process's adapters and to the config slices each one reads. */
export function serviceFactory(config: AppConfig, adapters: Adapters, admin: AdminSettings, sessions: SessionCache, publicUrl: () => string): ServiceFactory {
  const { clock, store, queue, bus, faces, erasure } = adapters;
  const limits = config.rateLimits;
  const acceptedTypes = acceptedPhotoTypes();
  return (em, logger, origin) => {
    const clientUrl = origin ? () => origin : publicUrl;
    const limiter = new PgRateLimiter(em);
    const throttle = new Throttle(limiter, clock, logger);
    // Built on first use: a request needs one or two of them, and a gallery page is the hot path.
    const services: RequestServices = lazily({
      accounts: () => new AccountService(em, {
        hasher: adapters.hasher,
        tokens: adapters.tokens,
        limiter,
        throttle,
        bus,
        mailer: adapters.mailer,
        queue,
        clock,
        logger,
        settings: { auth: config.auth, rateLimits: limits, publicUrl },
        sessions,
      }),
      walls: () => new WallService(em, { bus, logger, clientUrl }),
      drive: () => new DriveImportService(em, { source: adapters.drive, imports: new PgDriveImports(() => em), queue, bus, throttle, logger }),
      admin: () => new AdminService({ ops: new PgOpsRepository(em), queue, settings: admin }),
      privacy: () => new PrivacyService(em, { records: new PgPrivacyRepository(em), queue, store, erasure, faces, bus, clock, logger, sessions }),
      events: () => new EventService(em, {
        participations: new PgParticipationRepository(em),
        queue,
        bus,
        clock,
        logger,
        throttle,
        settings: { faceRetentionDays: config.privacy.faceRetentionDays, codeLookups: limits },
      }),
      people: () => new PeopleService(em, {
        faces,
        queue,
        bus,
        throttle,
        logger,
        matches: new PgMatchRepository(em),
        visiblePhoto: (actor, photoId) => services.photos.getVisible(actor, photoId),
        erasePerson: (actor, personId) => services.privacy.erasePerson(actor, personId),
        settings: PEOPLE_LIMITS,
      }),
      selfies: () => new SelfieService(em, {
        store,
        origin,
        queue,
        bus,
        throttle,
        logger,
        faces,
        settings: {
          maxBytes: config.faces.selfieMaxBytes,
          acceptedTypes,
          uploadUrlTtlSeconds: config.photos.uploadUrlTtlSeconds,
          uploadsPerAccount: limits.selfieUploadsPerAccount,
          uploadsPerIp: limits.selfieUploadsPerIp,
          uploadWindowSeconds: limits.selfieUploadWindowSeconds,
          people: PEOPLE_LIMITS,
        },
      }),
      newPhotoEmails: () =>
        new NewPhotoEmails(em, {
          participations: new PgParticipationRepository(em),
          queue,
          mailer: adapters.mailer,
          sealer: adapters.sealer,
          clock,
          logger,
          publicUrl,
          settings: config.mail.newPhotos,
        }),
      archives: () =>
        new ArchiveService(em, {
          photos: new PgPhotoRepository(() => em),
          sealer: adapters.sealer,
          clock,
          logger,
          publicUrl: clientUrl,
          ttlSeconds: config.photos.downloadUrlTtlSeconds,
        }),
      photos: () => new PhotoService(em, {
        store,
        origin,
        photos: new PgPhotoRepository(() => em),
        erasure,
        queue,
        bus,
        faces,
        throttle,
        clock,
        logger,
        settings: {
          uploadRequestsPerAccount: limits.uploadRequestsPerAccount,
          uploadRequestsPerIp: limits.uploadRequestsPerIp,
          uploadRequestWindowSeconds: limits.uploadRequestWindowSeconds,
          maxBytes: config.photos.maxBytes,
          batchMax: config.photos.batchMax,
          acceptedTypes,
          uploadUrlTtlSeconds: config.photos.uploadUrlTtlSeconds,
          downloadUrlTtlSeconds: config.photos.downloadUrlTtlSeconds,
        },
      }),
    });
    return services;
  };
}

/** An object whose properties are built by their factory on first read, then kept. */
function lazily<T extends object>(factories: { [K in keyof T]: () => T[K] }): T {
  const built: Partial<T> = {};
  const target = {} as T;
  for (const key of Object.keys(factories) as (keyof T)[]) {
    Object.defineProperty(target, key, {
      enumerable: true,
      get: () => (built[key] ??= factories[key]()),
    });
  }
  return target;
}
