import { networkAddresses } from '../http/network-addresses.js';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import { migrate } from '../db/orm.js';
import type { RequestServices } from '../graphql/context.js';
import { LiveEvents } from '../graphql/live-events.js';
import { startMetricsServer } from '../http/metrics.js';
import type { RunningHttpServer } from '../http/server.js';
import type { EventBus } from '../ports/event-bus.js';
import type { FaceEngine } from '../ports/face-engine.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Telemetry } from '../ports/telemetry.js';
import { privacyPolicy, type PrivacyPolicy } from '../services/privacy-policy.js';
import { SessionCache } from '../services/session-cache.js';
import { buildAdapters, type Adapters, type AppOverrides } from './adapters.js';
import { ApiProcess } from './api.js';
import type { Database } from './database.js';
import { serviceFactory, type ServiceFactory } from './services.js';
import { WorkerProcess } from './worker.js';

export type { AppOverrides } from './adapters.js';
export { openDatabase, type Database } from './database.js';

// compiled to dist/src/composition/: the package root is three levels up.
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * One process: its adapters built once from config, the services they feed,
 * and whichever of the API and the photo worker it runs (`findme serve` runs
 * both, `findme worker` the worker alone). Closing stops them in order.
 */
export class Application {
  readonly adapters: Adapters;
  readonly privacyPolicy: PrivacyPolicy;
  private readonly serviceFor: ServiceFactory;
  private readonly api: ApiProcess;
  private readonly worker: WorkerProcess;
  private live: LiveEvents | undefined;
  private infraStarted: Promise<void> | undefined;
  private metricsServer: http.Server | undefined;
  private detachFaces: (() => void) | undefined;
  private readonly stopSessionRevocations: () => void;
  /** Where clients reach this process; follows the real port when PORT=0 and PUBLIC_URL is unset. */
  private publicUrl: string;
  private listening: { host: string; port: number } | undefined;

  constructor(
    readonly config: AppConfig,
    readonly logger: Logger,
    readonly db: Database,
    overrides: AppOverrides = {},
  ) {
    this.publicUrl = config.http.publicUrl;
    this.adapters = buildAdapters(config, db, logger, { publicUrl: () => this.linkBase(), subscriptions: () => this.api.subscriptions() }, overrides);
    this.privacyPolicy = privacyPolicy(config.privacy.faceRetentionDays);
    // Sessions verified lately; other processes' revocations reach it through the bus.
    const sessions = new SessionCache();
    this.stopSessionRevocations = this.adapters.bus.subscribe('sessions.revoked', (m) => sessions.forgetUser(m.userId));
    this.serviceFor = serviceFactory(config, this.adapters, {
      version: VERSION,
      environment: config.env,
      configSources: config.sources,
      ssmPrefix: config.ssmPrefix,
      drivers: this.adapters.drivers,
      usdPer1000Calls: config.prices.usdPer1000Calls,
      usdPerFaceMonth: config.prices.usdPerFaceMonth,
      startedAt: new Date(),
    }, sessions, () => this.linkBase());
    this.detachFaces = this.adapters.faces.attach?.(this.adapters.bus);
    this.api = new ApiProcess(config, this.adapters, db, this.serviceFor, () => this.liveEvents(), this.privacyPolicy, logger, () => this.reachableAt());
    this.worker = new WorkerProcess(config, this.adapters, db, this.serviceFor, logger);
  }

  get store(): ObjectStore {
    return this.adapters.store;
  }
  get queue(): JobQueue {
    return this.adapters.queue;
  }
  get bus(): EventBus {
    return this.adapters.bus;
  }
  get faces(): FaceEngine {
    return this.adapters.faces;
  }
  get telemetry(): Telemetry {
    return this.adapters.telemetry;
  }

  /** Services bound to one unit of work (a request, a job). */
  services(em: EntityManager, logger: Logger = this.logger, origin?: string): RequestServices {
    return this.serviceFor(em, logger, origin);
  }

  /** Applies migrations and start-up chores (admin promotion). */
  async prepare(): Promise<void> {
    const applied = await migrate(this.db.orm);
    if (applied.length > 0) this.logger.info({ migrations: applied }, 'migrations applied');
    const promoted = await this.services(this.db.orm.em.fork()).accounts.promoteConfiguredAdmins();
    if (promoted > 0) this.logger.info({ promoted }, 'accounts promoted from ADMIN_EMAILS');
  }

  /** Starts the API on the configured (or given) port. */
  async listen(port = this.config.http.port, host = this.config.http.host): Promise<RunningHttpServer> {
    await this.startInfra();
    const http = await this.api.listen(port, host);
    if (!this.config.http.publicUrlConfigured) this.publicUrl = http.url;
    this.listening = { host, port: Number(new URL(http.url).port) };
    return http;
  }

  /**
   * The addresses other devices reach this server at: PUBLIC_URL when it is
   * set, else the machine's network addresses (for QR codes and the start-up
   * line). Empty before it listens, or when it listens on loopback only.
   */
  reachableAt(): string[] {
    if (this.config.http.publicUrlConfigured) return [this.config.http.publicUrl];
    return this.listening ? networkAddresses(this.listening.host, this.listening.port) : [];
  }

  /**
   * Where links made away from a request point (mailed links, jobs' URLs):
   * PUBLIC_URL when it is set; else this machine's first network address, so a
   * link mailed at the venue opens on a phone; else (loopback only) the
   * address it listens at. Never a request's Host header.
   */
  linkBase(): string {
    if (this.config.http.publicUrlConfigured) return this.config.http.publicUrl;
    return this.reachableAt()[0] ?? this.publicUrl;
  }

  /** Starts consuming jobs in this process. */
  async startWorker(): Promise<void> {
    await this.startInfra();
    await this.worker.start();
  }

  /**
   * /metrics on METRICS_PORT, when it is set, for `findme serve` and
   * `findme worker` alike: a port the operator keeps off the public network
   * (in production the API port serves metrics only behind METRICS_TOKEN).
   */
  async serveMetricsPort(): Promise<void> {
    const { workerPort, token } = this.config.metrics;
    const render = this.adapters.telemetry.render?.bind(this.adapters.telemetry);
    if (!workerPort || !render) return;
    this.metricsServer = await startMetricsServer({ render, token }, workerPort, this.config.http.host, this.logger);
    this.logger.info({ port: workerPort }, 'metrics on /metrics');
  }

  /** Drains the API, stops the worker (finishing or releasing jobs), then closes the database. */
  async close(): Promise<void> {
    const { adapters } = this;
    await this.api.stop();
    await new Promise((resolve) => (this.metricsServer ? this.metricsServer.close(resolve) : resolve(undefined)));
    await this.worker.stop();
    await adapters.usage?.close();
    if (this.infraStarted) {
      await adapters.queue.stop({ graceSeconds: this.worker.isRunning ? 30 : 0 });
      this.live?.close();
      await adapters.bus.stop();
    }
    this.detachFaces?.();
    this.stopSessionRevocations();
    await adapters.faces.close();
    adapters.mailer.close?.();
    await this.db.close();
  }

  private liveEvents(): LiveEvents {
    this.live ??= new LiveEvents(this.adapters.bus);
    return this.live;
  }

  private startInfra(): Promise<void> {
    this.infraStarted ??= (async () => {
      await this.adapters.bus.start();
      await this.adapters.queue.start();
    })();
    return this.infraStarted;
  }
}
