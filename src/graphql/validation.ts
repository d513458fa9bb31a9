import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  getNamedType,
  isListType,
  isNonNullType,
  parse,
  type ASTNode,
  type FieldNode,
  type GraphQLOutputType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

import { MAX_PAGE_SIZE } from '../services/pagination.js';

/** What one request may ask for; every figure comes from config. */
export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxDocumentBytes: number;
}

/** Items a list field is assumed to return when no `first` says how many. */
const DEFAULT_LIST_SIZE = 20;

/**
 * The one validation pipeline of both transports (Apollo over HTTP, graphql-ws):
 * depth, aliases and directives by GraphQL Armor, cost by our own page-aware
 * rule, and introspection refused when it is off. Every rule computes each
 * fragment once, so a document that spreads fragments into each other costs
 * linear time to refuse, however deep it nests. These rules come on top of
 * graphql-js's `specifiedRules`.
 */
export function validationRules(limits: QueryLimits, options: { introspection: boolean }): ValidationRule[] {
  return [
    armored(maxDepthRule, { n: limits.maxDepth, flattenFragments: true }, 'maxDepth', limits.maxDepth, (found) => `The operation is ${found} levels deep; the maximum depth is ${limits.maxDepth}.`),
    armored(maxAliasesRule, { n: limits.maxAliases }, 'maxAliases', limits.maxAliases, (found) => `The document uses ${found} aliases; the maximum is ${limits.maxAliases}.`),
    armored(maxDirectivesRule, { n: limits.maxDirectives }, 'maxDirectives', limits.maxDirectives, (found) => `The operation uses ${found} directives; the maximum is ${limits.maxDirectives}.`),
    costRule(limits.maxCost),
    ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
}

/**
 * Checks made on the text before validation: its size, then its token count
 * (graphql-js stops parsing at the limit, so a huge document costs nothing).
 * Null when it fits; otherwise the sentence saying which limit it broke.
 */
export function documentProblem(query: unknown, limits: Pick<QueryLimits, 'maxDocumentBytes' | 'maxTokens'>): { message: string; limit: string; max: number } | null {
  if (typeof query !== 'string') return null;
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > limits.maxDocumentBytes) {
    return { message: `The GraphQL document is ${bytes} bytes; the maximum document size is ${limits.maxDocumentBytes} bytes.`, limit: 'maxDocumentBytes', max: limits.maxDocumentBytes };
  }
  try {
    parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (err) {
    if (err instanceof GraphQLError && /contains more (than|that) \d+ tokens/.test(err.message)) {
      return { message: `The GraphQL document has more than ${limits.maxTokens} tokens; the maximum is ${limits.maxTokens}.`, limit: 'maxTokens', max: limits.maxTokens };
    }
    // Other syntax errors are reported by the transport's own parser, with locations.
  }
  return null;
}

type ArmorRule<O> = (options: O) => ValidationRule;
interface ArmorOptions {
  propagateOnRejection?: boolean;
  exposeLimits?: boolean;
  onReject?: ((ctx: ValidationContext | null, error: GraphQLError) => void)[];
}

/** An Armor rule that reports (instead of throwing) an error in our words, with the limit named. */
function armored<O extends ArmorOptions>(rule: ArmorRule<O>, options: Omit<O, keyof ArmorOptions>, limit: string, max: number, message: (found: string) => string): ValidationRule {
  return rule({
    ...options,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (ctx: ValidationContext | null, error: GraphQLError) => {
        const found = /found (\d+)/.exec(error.message)?.[1] ?? 'too many';
        ctx?.reportError(limitError(message(found), limit, max));
      },
    ],
  } as O);
}

/**
 * Cost: every object field costs 1 (scalars are free); a field returning a
 * list multiplies what is selected below it by its `first` argument (a page
 * size sent as a variable counts as the largest page) or a default list size.
 */
function costRule(maxCost: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const root = operationRoot(context, operation);
      if (!root) return;
      const cost = selectionCost({ context, visiting: new Set(), memo: new Map() }, operation.selectionSet, root);
      if (cost > maxCost) {
        context.reportError(limitError(`The operation would cost ${cost} points; the maximum cost is ${maxCost}. Ask for smaller pages.`, 'maxCost', maxCost, operation));
      }
    },
  });
}

type Fields = Record<string, { type: GraphQLOutputType; args: readonly { name: string }[] }>;

interface CostWalk {
  context: ValidationContext;
  /** Fragments on the current path (a cycle is NoFragmentCycles' to report). */
  visiting: Set<string>;
  /** Each fragment's cost per page size, computed once per document. */
  memo: Map<string, number>;
}

function selectionCost(walk: CostWalk, set: SelectionSetNode, fields: Fields, pageSize?: number): number {
  const { context } = walk;
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      const field = fields[name];
      if (!field) continue; // unknown fields are reported by the standard rules
      const childFields = objectFields(field.type);
      // Scalars come with their object; objects and lists are what cost (rows to load).
      if (!childFields || !selection.selectionSet) continue;
      const first = firstArgument(selection);
      // A connection's `first` sizes the list below it (`edges`), not the connection itself.
      const size = first === undefined && isList(field.type) ? (pageSize ?? DEFAULT_LIST_SIZE) : 1;
      total += 1 + size * selectionCost(walk, selection.selectionSet, childFields, first);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typeName = selection.typeCondition?.name.value;
      const typed = typeName ? objectFields(context.getSchema().getType(typeName) as GraphQLOutputType | undefined) : fields;
      total += selectionCost(walk, selection.selectionSet, typed ?? fields, pageSize);
    } else {
      const name = selection.name.value;
      const key = `${name}:${pageSize ?? ''}`;
      const known = walk.memo.get(key);
      if (known !== undefined) {
        total += known;
        continue;
      }
      const fragment = walk.visiting.has(name) ? undefined : context.getFragment(name);
      if (!fragment) continue;
      const typed = objectFields(context.getSchema().getType(fragment.typeCondition.name.value) as GraphQLOutputType | undefined);
      walk.visiting.add(name);
      const cost = selectionCost(walk, fragment.selectionSet, typed ?? fields, pageSize);
      walk.visiting.delete(name);
      walk.memo.set(key, cost);
      total += cost;
    }
  }
  return total;
}

/** The page size a field asks for; a variable counts as the largest page (its value is not known yet). */
function firstArgument(node: FieldNode): number | undefined {
  const first = node.arguments?.find((a) => a.name.value === 'first')?.value;
  if (first?.kind === Kind.INT) return Math.min(MAX_PAGE_SIZE, Math.max(1, Number(first.value)));
  if (first?.kind === Kind.VARIABLE) return MAX_PAGE_SIZE;
  return undefined;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

function objectFields(type: GraphQLOutputType | undefined | null): Fields | null {
  if (!type) return null;
  const named = getNamedType(type) as { getFields?: () => Fields };
  return typeof named.getFields === 'function' ? named.getFields() : null;
}

function operationRoot(context: ValidationContext, operation: OperationDefinitionNode): Fields | null {
  const schema = context.getSchema();
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return root ? (root.getFields() as unknown as Fields) : null;
}

function limitError(message: string, limit: string, value: number, node?: ASTNode): GraphQLError {
  return new GraphQLError(message, { ...(node ? { nodes: node } : {}), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit, max: value } });
}
