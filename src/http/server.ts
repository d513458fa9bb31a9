import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { GraphQLError, Kind, specifiedRules, type FieldNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Logger } from 'pino';
import type { ContextFactory, RefreshCookie, Session } from '../graphql/context.js';
import { requestOrigin } from './request-origin.js';
import { parse as parseCookies } from 'cookie';
import { formatGraphQLError, UNAVAILABLE_MESSAGE } from '../graphql/errors.js';
import { isDatabaseUnavailable } from '../db/orm.js';
import { documentProblem, validationRules, type QueryLimits } from '../graphql/validation.js';
import { clientIp, compileTrust, type TrustedProxies } from './client-ip.js';
import { answerMetrics, type MetricsEndpoint } from './metrics.js';
import { startWsServer } from './ws.js';
import { noTelemetry, type Telemetry } from '../ports/telemetry.js';

export interface HttpServerOptions {
  schema: GraphQLSchema;
  context: ContextFactory;
  /** Authenticates a graphql-ws socket once, from its connection_init token. */
  authenticate: (authorization: string, ip: string) => Promise<Session | null>;
  logger: Logger;
  production: boolean;
  introspection: boolean;
  corsOrigins: string[];
  /** Proxies whose `X-Forwarded-For` is believed (the same for HTTP and WebSocket). */
  trustProxy: TrustedProxies;
  /** True when the service can answer (database reachable, migrations applied). */
  ready: () => Promise<boolean>;
  /** Extra routes (the local object store's signed uploads and downloads). */
  routers?: express.Router[];
  limits: QueryLimits & {
    /** Operations in one HTTP request (1: batching off). */
    maxOperations: number;
    maxBodyBytes: number;
    wsConnectionInitTimeoutMs: number;
    wsMaxSubscriptionsPerConnection: number;
  };
  /** Calls back with a user id whenever that user's sessions end (account deleted, password reset). */
  onSessionsRevoked?: (listener: (userId: string, sessionId?: string) => void) => () => void;
  telemetry?: Telemetry;
  /**
   * Serves GET /metrics (Prometheus text) on this port, behind
   * `Authorization: Bearer <token>` when a token is set. Left out in
   * production without a token: metrics then go to METRICS_PORT only.
   */
  metrics?: MetricsEndpoint;
}

export interface RunningHttpServer {
  /** Where it listens, e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, closes WebSockets. */
  stop(): Promise<void>;
  /** Subscriptions open on this server's sockets. */
  subscriptions(): number;
}

const REQUEST_ID = /^[\w.-]{1,128}$/;

/** Express + Apollo (HTTP) + graphql-ws (WebSocket) on one port, sharing one schema. */
export async function startHttpServer(options: HttpServerOptions, port: number, host: string): Promise<RunningHttpServer> {
  const { schema, logger, production } = options;
  const masking = { production, logger };
  const app = express();
  const trust = compileTrust(options.trustProxy);
  // Express's req.ip and our WebSocket path answer with one function.
  app.set('trust proxy', trust);
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);

  const { limits } = options;
  // Metrics label operations by their root field, a name the schema registers: clients cannot add series.
  const rootFields = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => Object.keys(t?.getFields() ?? {})));
  const operationLabel = (operation: OperationDefinitionNode | undefined): string => {
    const field = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && !s.name.value.startsWith('__'));
    return field && rootFields.has(field.name.value) ? field.name.value : 'other';
  };
  const telemetry = options.telemetry ?? noTelemetry;
  // One validation pipeline for both transports (Apollo adds specifiedRules itself).
  const extraRules = validationRules(limits, { introspection: options.introspection });
  const ws = startWsServer({
    httpServer,
    schema,
    rules: [...specifiedRules, ...extraRules],
    context: options.context,
    authenticate: options.authenticate,
    trust,
    logger,
    production,
    telemetry,
    limits,
    onSessionsRevoked: options.onSessionsRevoked,
  });

  const apollo = new ApolloServer<BaseContext>({
    schema,
    introspection: options.introspection,
    csrfPrevention: true,
    validationRules: extraRules,
    allowBatchedHttpRequests: limits.maxOperations > 1,
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, masking),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // FindMe sets no cache hints (responses are per viewer): without this plugin Apollo would
      // wrap every field's resolver to collect them, on every photo of every gallery page.
      ApolloServerPluginCacheControlDisabled(),
      {
        async requestDidStart() {
          const started = performance.now();
          return {
            async willSendResponse(rc) {
              const body = rc.response.body;
              const failed = (rc.errors?.length ?? 0) > 0 || (body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0);
              telemetry.graphqlOperation(operationLabel(rc.operation), failed ? 'error' : 'ok', (performance.now() - started) / 1000);
            },
          };
        },
      },
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await ws.dispose();
            },
          };
        },
      },
    ],
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });
  await apollo.start();

  app.use((_req, res, next) => {
    res.once('finish', () => telemetry.httpResponse(res.statusCode));
    next();
  });

  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (req, res) => {
      const answer = await answerMetrics(metrics, req.get('authorization'));
      res.status(answer.status).set(answer.headers).send(answer.body);
    });
  }

  app.get('/healthz', async (_req, res) => {
    const ready = await options.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable' });
  });

  for (const router of options.routers ?? []) app.use(router);

  app.use(
    '/graphql',
    // Credentials (the refresh cookie) only for the origins allowed; Apollo's CSRF prevention still forces a preflight.
    cors(options.corsOrigins.length > 0 ? { origin: options.corsOrigins, credentials: true, maxAge: 600 } : { origin: !production, maxAge: 600 }),
    express.json({ limit: limits.maxBodyBytes }),
    refuseOversizedRequests(limits),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const header = req.get('x-request-id');
        const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
        res.setHeader('x-request-id', requestId);
        try {
          return await options.context({
            authorization: req.get('authorization'),
            refreshCookie: refreshCookie(req, res, production),
            ip: clientIp(req, trust),
            origin: requestOrigin(req, trust),
            requestId,
          });
        } catch (err) {
          // Signing the caller in needs the database: say so plainly, with 503 so clients and balancers retry.
          if (!isDatabaseUnavailable(err)) throw err;
          logger.warn({ err, requestId }, 'database unavailable');
          throw new GraphQLError(UNAVAILABLE_MESSAGE, { extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: true, http: { status: 503 } } });
        }
      },
    }),
  );

  app.use(requestErrors(logger));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const address = httpServer.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    stop: async () => {
      await apollo.stop();
    },
    subscriptions: () => ws.subscriptions(),
  };
}

export const REFRESH_COOKIE = 'findme_refresh';

/**
 * The refresh token as an `HttpOnly; SameSite=Strict` cookie, scoped to
 * /graphql: script cannot read it and no other site can send it. It is
 * `Secure` over https and always in production. Browsers drop a `Secure`
 * cookie sent over plain http anywhere but localhost, so a zero-config server
 * reached at its network address (a phone on the venue's Wi-Fi) sets it
 * without, or the phone could not stay signed in.
 */
function refreshCookie(req: express.Request, res: express.Response, production: boolean): RefreshCookie {
  const options = { httpOnly: true, secure: production || req.secure, sameSite: 'strict', path: '/graphql' } as const;
  return {
    wanted: (req.get('x-findme-refresh') ?? '').toLowerCase() === 'cookie',
    read: () => parseCookies(req.get('cookie') ?? '')[REFRESH_COOKIE] || undefined,
    set: (token, expiresAt) => void res.cookie(REFRESH_COOKIE, token, { ...options, expires: expiresAt }),
    clear: () => void res.clearCookie(REFRESH_COOKIE, options),
  };
}

/** A GraphQL-shaped 4xx answer, for requests refused before GraphQL runs. */
function refuse(res: express.Response, status: number, message: string, extensions: Record<string, unknown>): void {
  res.status(status).json({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT', ...extensions } }] });
}

/** Batches longer than allowed and documents larger than allowed, refused with the limit named. */
function refuseOversizedRequests(limits: HttpServerOptions['limits']): express.RequestHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    if (Array.isArray(body)) {
      if (limits.maxOperations <= 1) {
        refuse(res, 400, 'Batched requests are not accepted; send one operation per request.', { limit: 'maxOperations', max: limits.maxOperations });
        return;
      }
      if (body.length > limits.maxOperations) {
        refuse(res, 400, `The batch has ${body.length} operations; the maximum is ${limits.maxOperations} per request.`, { limit: 'maxOperations', max: limits.maxOperations });
        return;
      }
    }
    const documents = Array.isArray(body) ? body.map((op: { query?: unknown }) => op?.query) : [(body as { query?: unknown } | undefined)?.query ?? req.query['query']];
    for (const query of documents) {
      const problem = documentProblem(query, limits);
      if (problem) {
        refuse(res, 400, problem.message, { limit: problem.limit, max: problem.max });
        return;
      }
    }
    next();
  };
}

/** Bodies too large or not JSON get a clear 4xx instead of an HTML error page. */
function requestErrors(logger: Logger): express.ErrorRequestHandler {
  return (err: { type?: string; status?: number; limit?: number }, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err.type === 'entity.too.large') {
      refuse(res, 413, `The request body is larger than the maximum of ${err.limit} bytes.`, { limit: 'maxBodyBytes', max: err.limit });
      return;
    }
    if (err.type === 'entity.parse.failed') {
      refuse(res, 400, 'The request body is not valid JSON.', {});
      return;
    }
    logger.error({ err, path: req.path }, 'request failed');
    res.status(err.status && err.status >= 400 && err.status < 500 ? err.status : 500).json({ errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  };
}


