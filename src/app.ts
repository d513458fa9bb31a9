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
import type { ContextFactory, GraphQLContext, RequestServices } from './graphql/context.js';
import { bearerToken } from './graphql/context.js';
import { LocalPubSub } from './graphql/pubsub.js';
import { createSchema } from './graphql/schema.js';
import { startHttpServer, type RunningHttpServer } from './http/server.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Mailer } from './ports/mailer.js';
import type { PasswordHasher } from './ports/password-hasher.js';
import { AccountService } from './services/account.service.js';
import { EventService } from './services/event.service.js';

/** Replacements for adapters, for tests (a mailer whose outbox they read, a clock they move). */
export interface AppOverrides {
  mailer?: Mailer;
  clock?: Clock;
  hasher?: PasswordHasher;
}

export interface Database {
  orm: MikroORM;
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
  readonly pubSub = new LocalPubSub();
  private http: RunningHttpServer | undefined;

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
  }

  /** Services bound to one unit of work (a request, a job). */
  services(em: EntityManager, logger: Logger = this.logger): RequestServices {
    const { config } = this;
    return {
      accounts: new AccountService(em, {
        hasher: this.hasher,
        tokens: this.tokens,
        limiter: new PgRateLimiter(em),
        mailer: this.mailer,
        clock: this.clock,
        logger,
        settings: {
          adminEmails: config.auth.adminEmails,
          publicUrl: config.http.publicUrl,
          passwordResetTtlSeconds: config.auth.passwordResetTtlSeconds,
          ...config.rateLimits,
          loginFailuresPerEmail: config.rateLimits.loginFailuresPerEmail,
        },
      }),
      events: new EventService(em, { clock: this.clock, logger }),
    };
  }

  /** Applies migrations and start-up chores (admin promotion). */
  async prepare(): Promise<void> {
    const applied = await migrate(this.db.orm);
    if (applied.length > 0) this.logger.info({ migrations: applied }, 'migrations applied');
    const promoted = await this.services(this.db.orm.em.fork()).accounts.promoteConfiguredAdmins();
    if (promoted > 0) this.logger.info({ promoted }, 'accounts promoted from ADMIN_EMAILS');
  }

  readonly createContext: ContextFactory = async ({ authorization, ip, requestId }) => {
    const logger = this.logger.child({ requestId });
    const em = this.db.orm.em.fork();
    const services = this.services(em, logger);
    const context: GraphQLContext = { viewer: null, authFailure: null, tokenExpiresAt: null, services, ip, requestId, logger };
    if (authorization !== undefined && authorization.trim() !== '') {
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

  /** Starts the API on the configured (or given) port. */
  async listen(port = this.config.http.port, host = this.config.http.host): Promise<RunningHttpServer> {
    const schema = await createSchema(this.pubSub);
    this.http = await startHttpServer(
      {
        schema,
        context: this.createContext,
        logger: this.logger,
        production: this.config.isProduction,
        introspection: this.config.http.introspection,
        corsOrigins: this.config.http.corsOrigins,
        trustProxy: this.config.http.trustProxy,
        ready: () => databaseReady(this.db.orm),
      },
      port,
      host,
    );
    return this.http;
  }

  /** Drains the API, then closes the database (and the embedded cluster). */
  async close(): Promise<void> {
    await this.http?.stop();
    this.http = undefined;
    if (this.mailer instanceof SmtpMailer) this.mailer.close();
    await this.db.close();
  }
}
