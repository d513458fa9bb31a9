import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, validate, type GraphQLSchema, type ValidationRule } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { DomainError } from '../domain/errors.js';
import type { ContextFactory, GraphQLContext, Session } from '../graphql/context.js';
import { requestOrigin } from './request-origin.js';
import { formatGraphQLError } from '../graphql/errors.js';
import { documentProblem, type QueryLimits } from '../graphql/validation.js';
import type { Telemetry } from '../ports/telemetry.js';
import { clientIp, type TrustFunction } from './client-ip.js';

/** setTimeout cannot wait longer than this; longer waits are chained. */
const MAX_TIMER_MS = 2_147_483_647;

export interface WsOptions {
  httpServer: http.Server;
  schema: GraphQLSchema;
  /** The same validation rules as HTTP (specifiedRules included). */
  rules: readonly ValidationRule[];
  context: ContextFactory;
  /** Resolves `Authorization: Bearer …` from connection_init to a session, or null when it does not authenticate. */
  authenticate: (authorization: string, ip: string) => Promise<Session | null>;
  trust: TrustFunction;
  logger: Logger;
  production: boolean;
  telemetry: Telemetry;
  limits: QueryLimits & { maxBodyBytes: number; wsConnectionInitTimeoutMs: number; wsMaxSubscriptionsPerConnection: number };
  /** Calls back with a user id whenever that user's sessions end (account deleted, password reset). */
  /** Calls back when a user's sessions end (all of them, or one device's when `sessionId` is given). */
  onSessionsRevoked?: ((listener: (userId: string, sessionId?: string) => void) => () => void) | undefined;
}

export interface WsServer {
  /** Subscriptions open on this server's sockets. */
  subscriptions(): number;
  dispose(): Promise<void>;
}

interface SocketState {
  /** Who the socket's connection_init authenticated, once; null for anonymous sockets. */
  session: Session | null;
  expiryTimer: NodeJS.Timeout | undefined;
}

type Extra = { request: http.IncomingMessage; socket: WebSocket };

/**
 * graphql-ws on the API's HTTP server. A socket is authenticated once, in
 * `onConnect` (a token that does not authenticate closes it with 4403); every
 * operation then runs as that session. The socket lives no longer than its
 * token and is closed with 4403 when the user's sessions end.
 */
export function startWsServer(options: WsOptions): WsServer {
  const { logger, limits, telemetry, trust } = options;
  const masking = { production: options.production, logger };
  const sockets = new Map<WebSocket, SocketState>();
  const connections = new Set<{ subscriptions: Record<string, unknown> }>();

  const close = (socket: WebSocket, reason: string) => {
    const state = sockets.get(socket);
    if (!state) return;
    clearTimeout(state.expiryTimer);
    sockets.delete(socket);
    socket.close(CloseCode.Forbidden, reason);
  };
  const expireAt = (socket: WebSocket, state: SocketState, at: Date) => {
    const wait = at.getTime() - Date.now();
    state.expiryTimer =
      wait > MAX_TIMER_MS ? setTimeout(() => expireAt(socket, state, at), MAX_TIMER_MS) : setTimeout(() => close(socket, 'Session expired'), Math.max(0, wait));
    state.expiryTimer.unref();
  };
  const stopRevocations = options.onSessionsRevoked?.((userId, sessionId) => {
    for (const [socket, state] of sockets) {
      const session = state.session;
      if (session?.viewer.id === userId && (!sessionId || session.sessionId === sessionId)) close(socket, 'Session revoked');
    }
  });

  // graphql-ws closes the socket with a thrown error's message as the reason: anything but a domain error is masked.
  const guarded = async <T>(requestId: string, what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof DomainError) throw err;
      logger.error({ err, requestId }, what);
      throw new Error('Internal server error.');
    }
  };

  const wsServer = new WebSocketServer({ server: options.httpServer, path: '/graphql', maxPayload: limits.maxBodyBytes });
  const cleanup = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema: options.schema,
      connectionInitWaitTimeout: limits.wsConnectionInitTimeoutMs,
      validate: (schema, document) => validate(schema, document, options.rules),
      onConnect: async (ctx) => {
        const authorization = stringParam(ctx.connectionParams?.['authorization']);
        let session: Session | null = null;
        if (authorization) {
          session = await guarded(randomUUID(), 'could not authenticate a WebSocket', () => options.authenticate(authorization, clientIp(ctx.extra.request, trust)));
          if (!session) return false; // 4403 Forbidden
        }
        const state: SocketState = { session, expiryTimer: undefined };
        sockets.set(ctx.extra.socket, state);
        if (session?.expiresAt) expireAt(ctx.extra.socket, state, session.expiresAt);
        connections.add(ctx);
        telemetry.socketOpened();
        return true;
      },
      onClose: (ctx) => {
        if (connections.delete(ctx)) telemetry.socketClosed();
        clearTimeout(sockets.get(ctx.extra.socket)?.expiryTimer);
        sockets.delete(ctx.extra.socket);
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
      context: (ctx) => {
        const requestId = randomUUID();
        const session = sockets.get(ctx.extra.socket)?.session ?? null;
        return guarded(requestId, 'could not build the WebSocket context', () =>
          options.context({ authorization: undefined, session, ip: clientIp(ctx.extra.request, trust), origin: requestOrigin(ctx.extra.request, trust), requestId }),
        ) as Promise<GraphQLContext & Record<string, unknown>>;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatGraphQLError(e.toJSON(), e, masking)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatGraphQLError(e.toJSON(), e, masking)) } : undefined,
    },
    wsServer,
  );

  return {
    subscriptions: () => [...connections].reduce((n, c) => n + Object.keys(c.subscriptions).length, 0),
    dispose: async () => {
      stopRevocations?.();
      await cleanup.dispose();
    },
  };
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
