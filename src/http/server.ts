import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { GraphQLError, Kind, specifiedRules, validate, type FieldNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ContextFactory, GraphQLContext } from '../graphql/context.js';
import { formatGraphQLError, UNAVAILABLE_MESSAGE } from '../graphql/errors.js';
import { isDatabaseUnavailable } from '../db/orm.js';
import { DomainError } from '../domain/errors.js';
import { documentProblem, validationRules, type QueryLimits } from '../graphql/validation.js';
import { clientIp, compileTrust, type TrustedProxies } from './client-ip.js';
import { noTelemetry, type Telemetry } from '../ports/telemetry.js';

export interface HttpServerOptions {
  schema: GraphQLSchema;
  context: ContextFactory;
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
  onSessionsRevoked?: (listener: (userId: string) => void) => () => void;
  telemetry?: Telemetry;
  /**
   * Serves GET /metrics (Prometheus text) on this port, behind
   * `Authorization: Bearer <token>` when a token is set. Left out in
   * production without a token: metrics then go to METRICS_PORT only.
   */
  metrics?: { render: () => Promise<{ contentType: string; body: string }>; token: string | undefined };
}

/** Per-socket state of a signed-in graphql-ws connection. */
interface SocketSession {
  userId: string;
  expiryTimer: NodeJS.Timeout | undefined;
}

/** setTimeout cannot wait longer than this; longer waits are chained. */
const MAX_TIMER_MS = 2_147_483_647;

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

  // graphql-ws closes the socket with a thrown error's message as the reason:
  // anything but a domain error is logged and replaced by a bare one.
  const wsContext: ContextFactory = async (input) => {
    try {
      return await options.context(input);
    } catch (err) {
      if (err instanceof DomainError) throw err;
      logger.error({ err, requestId: input.requestId }, 'could not build the WebSocket context');
      throw new Error('Internal server error.');
    }
  };
  const { limits } = options;
  // Metrics label operations by their root field, a name the schema registers: clients cannot add series.
  const rootFields = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => Object.keys(t?.getFields() ?? {})));
  const operationLabel = (operation: OperationDefinitionNode | undefined): string => {
    const field = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && !s.name.value.startsWith('__'));
    return field && rootFields.has(field.name.value) ? field.name.value : 'other';
  };
  const telemetry = options.telemetry ?? noTelemetry;
  // Every acknowledged socket's graphql-ws context: open connections and their subscriptions.
  const connections = new Set<{ subscriptions: Record<string, unknown> }>();
  // One validation pipeline for both transports (Apollo adds specifiedRules itself).
  const extraRules = validationRules(limits, { introspection: options.introspection });
  const rules = [...specifiedRules, ...extraRules];
  // Signed-in sockets by user, so that ending a user's sessions closes their sockets too.
  const sessions = new Map<WebSocket, SocketSession>();
  const endSession = (socket: WebSocket, reason: string) => {
    const session = sessions.get(socket);
    if (!session) return;
    clearTimeout(session.expiryTimer);
    sessions.delete(socket);
    socket.close(CloseCode.Forbidden, reason);
  };
  const expireAt = (socket: WebSocket, session: SocketSession, at: Date) => {
    const wait = at.getTime() - Date.now();
    session.expiryTimer =
      wait > MAX_TIMER_MS
        ? setTimeout(() => expireAt(socket, session, at), MAX_TIMER_MS)
        : setTimeout(() => endSession(socket, 'Session expired'), Math.max(0, wait));
    session.expiryTimer.unref();
  };
  const stopRevocations = options.onSessionsRevoked?.((userId) => {
    for (const [socket, session] of sessions) if (session.userId === userId) endSession(socket, 'Session revoked');
  });

  type SocketContext = { connectionParams?: Readonly<Record<string, unknown>> | undefined; extra: { request: http.IncomingMessage; socket: WebSocket } };
  const acceptSocket = async (ctx: SocketContext): Promise<boolean> => {
    const authorization = stringParam(ctx.connectionParams?.['authorization']);
    if (!authorization) return true;
    // A token that does not authenticate closes the socket with 4403 Forbidden.
    const context = await wsContext({ authorization, ip: clientIp(ctx.extra.request, trust), requestId: randomUUID() });
    if (!context.viewer) return false;
    // The socket lives no longer than its token (4403 when it expires).
    const session: SocketSession = { userId: context.viewer.id, expiryTimer: undefined };
    sessions.set(ctx.extra.socket, session);
    if (context.tokenExpiresAt) expireAt(ctx.extra.socket, session, context.tokenExpiresAt);
    return true;
  };

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: limits.maxBodyBytes });
  const wsCleanup = useServer<Record<string, unknown> | undefined, { request: http.IncomingMessage; socket: WebSocket }>(
    {
      schema,
      connectionInitWaitTimeout: limits.wsConnectionInitTimeoutMs,
      validate: (s, document) => validate(s, document, rules),
      onConnect: async (ctx) => {
        const accepted = await acceptSocket(ctx);
        if (accepted) {
          connections.add(ctx);
          telemetry.socketOpened();
        }
        return accepted;
      },
      onClose: (ctx) => {
        if (connections.delete(ctx)) telemetry.socketClosed();
        const session = sessions.get(ctx.extra.socket);
        if (session) clearTimeout(session.expiryTimer);
        sessions.delete(ctx.extra.socket);
      },
      onSubscribe: (ctx, id, payload) => {
        const problem = documentProblem(payload.query, limits);
        if (problem) return [new GraphQLError(problem.message, { extensions: { code: 'BAD_USER_INPUT', limit: problem.limit, max: problem.max } })];
        // graphql-ws registers this operation before asking us: count the others.
        const active = Object.keys(ctx.subscriptions).filter((other) => other !== id).length;
        if (active >= limits.wsMaxSubscriptionsPerConnection) {
          return [
            new GraphQLError(`This connection already has ${active} subscriptions; the maximum is ${limits.wsMaxSubscriptionsPerConnection} per connection.`, {
              extensions: { code: 'BAD_USER_INPUT', limit: 'wsMaxSubscriptionsPerConnection' },
            }),
          ];
        }
        return undefined;
      },
      context: (ctx) =>
        wsContext({
          authorization: stringParam(ctx.connectionParams?.['authorization']),
          ip: clientIp(ctx.extra.request, trust),
          requestId: randomUUID(),
        }) as Promise<GraphQLContext & Record<string, unknown>>,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatGraphQLError(e.toJSON(), e, masking)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatGraphQLError(e.toJSON(), e, masking)) } : undefined,
    },
    wsServer,
  );

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
              stopRevocations?.();
              await wsCleanup.dispose();
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

  if (options.metrics) {
    const { render, token } = options.metrics;
    app.get('/metrics', async (req, res) => {
      if (token && req.get('authorization') !== `Bearer ${token}`) {
        res.status(401).set('www-authenticate', 'Bearer').json({ error: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <METRICS_TOKEN>.' });
        return;
      }
      const metrics = await render();
      res.status(200).type(metrics.contentType).send(metrics.body);
    });
  }

  app.get('/healthz', async (_req, res) => {
    const ready = await options.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable' });
  });

  for (const router of options.routers ?? []) app.use(router);

  app.use(
    '/graphql',
    cors(options.corsOrigins.length > 0 ? { origin: options.corsOrigins, maxAge: 600 } : { origin: !production, maxAge: 600 }),
    express.json({ limit: limits.maxBodyBytes }),
    refuseOversizedRequests(limits),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const header = req.get('x-request-id');
        const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
        res.setHeader('x-request-id', requestId);
        try {
          return await options.context({ authorization: req.get('authorization'), ip: clientIp(req, trust), requestId });
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
    subscriptions: () => [...connections].reduce((n, c) => n + Object.keys(c.subscriptions).length, 0),
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

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}


