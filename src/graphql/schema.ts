import { lexicographicSortSchema, printSchema, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
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
import { WallResolver } from './resolvers/wall.resolver.js';
import { DriveResolver } from './resolvers/drive.resolver.js';
import { PeopleResolver } from './resolvers/people.resolver.js';

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
  WallResolver,
  DriveResolver,
  PeopleResolver,
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
export async function createSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    authChecker,
    authMode: 'error',
    pubSub: noTopics,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    emitSchemaFile: false,
  });
  // type-graphql has no decorator for the root types' own descriptions.
  const roots: [GraphQLObjectType | null | undefined, string][] = [
    [schema.getQueryType(), 'Reads. Anonymous callers may use eventByCode, privacyPolicy and me; everything else needs a signed-in account.'],
    [schema.getMutationType(), 'Changes. Each names who may call it; a refused call answers with an error code (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, RATE_LIMITED).'],
    [schema.getSubscriptionType(), 'Live updates over graphql-ws on the same URL; the token goes in connection_init.'],
  ];
  for (const [type, description] of roots) if (type) type.description = description;
  return schema;
}

/** The SDL committed as schema.graphql: sorted, so diffs show real changes only. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
