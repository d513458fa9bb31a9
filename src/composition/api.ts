import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import { databaseReady } from '../db/orm.js';
import { bearerToken, type ContextFactory, type GraphQLContext, type Session } from '../graphql/context.js';
import type { LiveEvents } from '../graphql/live-events.js';
import { createSchema } from '../graphql/schema.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';
import { authPages } from '../http/auth-pages.js';
import { webAppRoutes } from '../http/web-app.js';
import { archiveRoutes } from '../http/archives.js';
import type { PrivacyPolicy } from '../services/privacy-policy.js';
import type { Adapters } from './adapters.js';
import type { Database } from './database.js';
import type { ServiceFactory } from './services.js';

/**
 * The API of one process: Express, Apollo and graphql-ws on one port. A
 * request's context carries its services on a fresh unit of work and its
 * viewer, authenticated from the request (HTTP) or once per socket (WebSocket).
 */
export class ApiProcess {
  private http: RunningHttpServer | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly adapters: Adapters,
    private readonly db: Database,
    private readonly services: ServiceFactory,
    private readonly live: () => LiveEvents,
    private readonly privacyPolicy: PrivacyPolicy,
    private readonly logger: Logger,
    private readonly reachableAt: () => string[] = () => [],
  ) {}

  readonly createContext: ContextFactory = async ({ authorization, session, refreshCookie, ip, origin, requestId }) => {
    const logger = this.logger.child({ requestId });
    // With PUBLIC_URL set, every URL names it; without, each client gets URLs at the address it used (a phone on the venue's Wi-Fi).
    const clientOrigin = this.config.http.publicUrlConfigured ? undefined : (origin ?? undefined);
    const services = this.services(this.db.orm.em.fork(), logger, clientOrigin);
    const context: GraphQLContext = {
      viewer: session?.viewer ?? null,
      sessionId: session?.sessionId ?? null,
      refreshCookie: refreshCookie ?? null,
      authFailure: null,
      tokenExpiresAt: session?.expiresAt ?? null,
      services,
      freshServices: () => this.services(this.db.orm.em.fork(), logger, clientOrigin),
      live: this.live(),
      progressMinIntervalMs: this.config.photos.progressMinIntervalMs,
      privacyPolicy: this.privacyPolicy,
      reachableAt: this.reachableAt,
      ip,
      requestId,
      logger,
    };
    if (!session && authorization !== undefined && authorization.trim() !== '') {
      const token = bearerToken(authorization);
      const result = token ? await services.accounts.authenticate(token) : { failure: 'invalid' as const };
      if ('user' in result) {
        context.viewer = result.user;
        context.sessionId = result.sessionId;
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
    const result = await this.services(this.db.orm.em.fork(), this.logger).accounts.authenticate(token);
    return 'user' in result ? { viewer: result.user, expiresAt: result.expiresAt, sessionId: result.sessionId } : null;
  };

  async listen(port: number, host: string): Promise<RunningHttpServer> {
    const { config, adapters } = this;
    const render = adapters.telemetry.render?.bind(adapters.telemetry);
    this.http = await startHttpServer(
      {
        schema: await createSchema(),
        context: this.createContext,
        authenticate: this.authenticate,
        logger: this.logger,
        production: config.isProduction,
        introspection: config.http.introspection,
        corsOrigins: config.http.corsOrigins,
        trustProxy: config.http.trustProxy,
        ready: () => databaseReady(this.db.orm),
        routers: [
          ...adapters.store.routes(),
          authPages({
            unsubscribe: (token) => this.services(this.db.orm.em.fork(), this.logger).newPhotoEmails.unsubscribe(token),
            signInAddress: (token) => this.services(this.db.orm.em.fork(), this.logger).accounts.signInLinkAddress(token),
          }),
          archiveRoutes({
            open: (token) => this.services(this.db.orm.em.fork(), this.logger).archives.open(token),
            read: (key) => adapters.store.stream(key),
            logger: this.logger,
            corsOrigins: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : !config.isProduction,
            concurrency: config.photos.archiveConcurrency,
          }),
          // Last: its history fallback answers only what no route above did.
          webAppRoutes({ storeOrigins: () => this.storeOrigins() }),
        ],
        limits: config.graphql,
        telemetry: adapters.telemetry,
        // In production the public port serves metrics only behind a token; METRICS_PORT otherwise.
        ...(render && (!config.isProduction || config.metrics.token) ? { metrics: { render, token: config.metrics.token } } : {}),
        onSessionsRevoked: (listener) => adapters.bus.subscribe('sessions.revoked', (m) => listener(m.userId, m.sessionId)),
      },
      port,
      host,
    );
    return this.http;
  }

  /**
   * The origin browsers reach for stored files (the public URL, or an S3
   * bucket): read from a signed link, so the web app's CSP names the
   * store whichever adapter and endpoint are configured.
   */
  private async storeOrigins(): Promise<string[]> {
    const now = this.adapters.clock.now();
    const url = await this.adapters.store.createDownloadUrl('csp-probe', { expiresAt: new Date(now.getTime() + 60_000), signedAt: now });
    // Named even when it is the public URL: a page opened under another name (127.0.0.1
    // for localhost) still loads thumbnails and sends uploads to the public URL.
    return [new URL(url, this.config.http.publicUrl).origin];
  }

  subscriptions(): number {
    return this.http?.subscriptions() ?? 0;
  }

  async stop(): Promise<void> {
    await this.http?.stop();
    this.http = undefined;
  }
}
