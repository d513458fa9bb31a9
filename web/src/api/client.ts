import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { session } from './session';

let activeSocket: WebSocket | null = null;
const reconnectListeners = new Set<() => void>();

/** Calls `listener` each time the socket is back after a drop (what changed meanwhile was not pushed); returns a remover. */
export function onReconnected(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

const wsClient = createClient({
  url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  lazy: true,
  lazyCloseTimeout: 3_000,
  retryAttempts: Number.POSITIVE_INFINITY,
  shouldRetry: () => true,
  connectionParams: async () => {
    const token = await session.token();
    return token ? { authorization: `Bearer ${token}` } : {};
  },
  on: {
    opened: (socket) => {
      activeSocket = socket as WebSocket;
    },
    // Back after a drop: what changed meanwhile was not pushed, so the pages read it again.
    connected: (_socket, _payload, wasRetry) => {
      if (!wasRetry) return;
      void client.refetchObservableQueries();
      for (const listener of reconnectListeners) listener();
    },
    closed: () => {
      activeSocket = null;
    },
  },
});

// A new token (sign-in, renewal, sign-out): the socket reconnects with it and resubscribes.
session.subscribe(() => {
  if (activeSocket?.readyState === WebSocket.OPEN) activeSocket.close(4205, 'Client restart');
});

const auth = new SetContextLink(async (prev) => {
  const token = await session.token();
  return {
    headers: {
      ...(prev['headers'] as Record<string, string> | undefined),
      // Sign-in answers put the refresh token in an HttpOnly cookie, never in script's reach.
      'x-findme-refresh': 'cookie',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  };
});

const http = new HttpLink({ uri: '/graphql', credentials: 'same-origin' });

const link = ApolloLink.split(
  ({ query }) => {
    const definition = getMainDefinition(query);
    return definition.kind === 'OperationDefinition' && definition.operation === OperationTypeNode.SUBSCRIPTION;
  },
  new GraphQLWsLink(wsClient),
  auth.concat(http),
);

export const client = new ApolloClient({
  link,
  cache: new InMemoryCache({
    typePolicies: {
      EventProgress: { keyFields: ['eventId'] },
      Query: {
        fields: {
          myEvents: relayStylePagination(),
          // A person's tab, photos together and the guest's own gallery are lists of their own.
          myPhotos: relayStylePagination(['eventId', 'personIds', 'together']),
          // The photographer's grid and the coverage panel's photos no guest was found in, too.
          photos: relayStylePagination(['eventId', 'status', 'withoutGuests']),
          eventParticipants: relayStylePagination(['eventId']),
        },
      },
    },
  }),
});

/** Sign-out and account changes: nothing of the previous person stays cached. */
session.subscribe((next) => {
  if (!next) void client.clearStore();
});
