import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './auth-checker.js';
import { AccountResolver } from './resolvers/account.resolver.js';
import { AdminResolver } from './resolvers/admin.resolver.js';
import { EventResolver, ParticipationResolver } from './resolvers/event.resolver.js';
import { HeartbeatResolver } from './resolvers/heartbeat.resolver.js';
import { PhotoResolver } from './resolvers/photo.resolver.js';
import { PrivacyResolver } from './resolvers/privacy.resolver.js';
import { ProgressResolver } from './resolvers/progress.resolver.js';
import { SelfieResolver } from './resolvers/selfie.resolver.js';

const resolvers = [
  AccountResolver,
  EventResolver,
  ParticipationResolver,
  PhotoResolver,
  ProgressResolver,
  SelfieResolver,
  PrivacyResolver,
  HeartbeatResolver,
  AdminResolver,
] as const;

/**
 * type-graphql insists on a PubSub when a schema has subscriptions; ours build
 * their streams themselves (`subscribe` from LiveEvents), so none is ever used.
 */
const noTopics: PubSub = {
  publish: () => {
    throw new Error('subscriptions are fed by LiveEvents, not by type-graphql topics');
  },
  subscribe: () => {
    throw new Error('subscriptions are fed by LiveEvents, not by type-graphql topics');
  },
};

/**
 * The one schema served over HTTP and graphql-ws. Subscriptions build their
 * streams from LiveEvents (the event bus), so no type-graphql PubSub is used.
 */
export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    authChecker,
    authMode: 'error',
    pubSub: noTopics,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    emitSchemaFile: false,
  });
}

/** The SDL committed as schema.graphql: sorted, so diffs show real changes only. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
