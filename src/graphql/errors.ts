import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { isDatabaseError, isDatabaseUnavailable } from '../db/orm.js';

/** Said when PostgreSQL is unreachable: the client may retry, nothing was changed half-way. */
export const UNAVAILABLE_MESSAGE = 'FindMe is temporarily unavailable (its database cannot be reached); try again in a few seconds.';

/** Codes raised by GraphQL itself whose messages describe the request, not the server. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export interface ErrorMasking {
  /**
   * In production, unexpected errors become a bare INTERNAL_SERVER_ERROR and
   * "Did you mean …?" hints are cut, so the schema cannot be read off errors.
   */
  production: boolean;
  logger: Logger;
}

/**
 * The one place errors become client answers, for HTTP (Apollo `formatError`)
 * and graphql-ws alike. Domain errors keep their code and message; GraphQL's
 * own request errors keep theirs; anything else is logged and masked.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, masking: ErrorMasking): GraphQLFormattedError {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const base = { message: formatted.message, ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };

  if (original instanceof DomainError) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
  }
  if (isDatabaseUnavailable(original)) {
    masking.logger.warn({ err: original, path: formatted.path }, 'database unavailable');
    return { message: UNAVAILABLE_MESSAGE, ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: true } };
  }
  const code = typeof formatted.extensions?.['code'] === 'string' ? formatted.extensions['code'] : undefined;
  if (code && CLIENT_CODES.has(code)) {
    const { stacktrace: _stack, ...rest } = formatted.extensions ?? {};
    return { ...base, ...hideSuggestions(base.message, masking), extensions: masking.production ? { code, ...limitOf(rest) } : { ...rest, code } };
  }
  if (!code && error instanceof GraphQLError && !error.originalError && !error.path) {
    // Raised by graphql-js validation or coercion (graphql-ws path): a client error.
    return { ...base, ...hideSuggestions(base.message, masking), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...limitOf(formatted.extensions ?? {}) } };
  }
  masking.logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
  if (isDatabaseError(original) && !masking.production) {
    // The driver's message quotes the SQL and its parameters: for the log only, in every mode.
    return { message: 'Internal server error (a database statement failed; the details are in the server log).', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  if (masking.production) {
    return { message: 'Internal server error.', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  return { ...base, extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR' } };
}

/** graphql-js's "Did you mean …?" hints name fields and types: cut in production, on every transport. */
function hideSuggestions(message: string, masking: ErrorMasking): { message: string } {
  return { message: masking.production ? message.replace(/ ?Did you mean .+\?$/, '') : message };
}

/** The limit a refused document broke (clients show it), kept in every mode. */
function limitOf(extensions: Record<string, unknown>): Record<string, unknown> {
  return 'limit' in extensions ? { limit: extensions['limit'], max: extensions['max'] } : {};
}
