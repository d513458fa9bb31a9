import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { ContextFactory, GraphQLContext } from '../graphql/context.js';
import { formatGraphQLError } from '../graphql/errors.js';
import { DomainError } from '../domain/errors.js';

export interface HttpServerOptions {
  schema: GraphQLSchema;
  context: ContextFactory;
  logger: Logger;
  production: boolean;
  introspection: boolean;
  corsOrigins: string[];
  trustProxy: boolean;
  /** True when the service can answer (database reachable, migrations applied). */
  ready: () => Promise<boolean>;
  /** Extra routes (the local object store's signed uploads and downloads). */
  routers?: express.Router[];
}

export interface RunningHttpServer {
  /** Where it listens, e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, closes WebSockets. */
  stop(): Promise<void>;
}

const REQUEST_ID = /^[\w.-]{1,128}$/;

/** Express + Apollo (HTTP) + graphql-ws (WebSocket) on one port, sharing one schema. */
export async function startHttpServer(options: HttpServerOptions, port: number, host: string): Promise<RunningHttpServer> {
  const { schema, logger, production } = options;
  const masking = { production, logger };
  const app = express();
  app.set('trust proxy', options.trustProxy);
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
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer<Record<string, unknown> | undefined, { request: http.IncomingMessage }>(
    {
      schema,
      onConnect: async (ctx) => {
        const authorization = stringParam(ctx.connectionParams?.['authorization']);
        if (!authorization) return true;
        // A token that does not authenticate closes the socket with 4403 Forbidden.
        const context = await wsContext({ authorization, ip: clientIp(ctx.extra.request), requestId: randomUUID() });
        return context.viewer !== null;
      },
      context: (ctx) =>
        wsContext({
          authorization: stringParam(ctx.connectionParams?.['authorization']),
          ip: clientIp(ctx.extra.request),
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
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, masking),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
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

  app.get('/healthz', async (_req, res) => {
    const ready = await options.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable' });
  });

  for (const router of options.routers ?? []) app.use(router);

  app.use(
    '/graphql',
    cors(options.corsOrigins.length > 0 ? { origin: options.corsOrigins, maxAge: 600 } : { origin: !production, maxAge: 600 }),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const header = req.get('x-request-id');
        const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
        res.setHeader('x-request-id', requestId);
        return options.context({ authorization: req.get('authorization'), ip: req.ip ?? 'unknown', requestId });
      },
    }),
  );

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
  };
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function clientIp(request: http.IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

