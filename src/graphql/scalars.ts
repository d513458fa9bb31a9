import { GraphQLScalarType, Kind } from 'graphql';
import { isIsoDate } from '../services/validation.js';

function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    throw new TypeError(`Date must be a calendar date written yyyy-mm-dd, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A calendar date without time zone, `yyyy-mm-dd`. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date without time zone, written yyyy-mm-dd (ISO 8601).',
  serialize: (value) => parseDate(value instanceof Date ? value.toISOString().slice(0, 10) : value),
  parseValue: parseDate,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new TypeError('Date must be a string written yyyy-mm-dd');
    return parseDate(ast.value);
  },
});
