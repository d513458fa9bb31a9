import {
  GraphQLError,
  Kind,
  getNamedType,
  isListType,
  isNonNullType,
  type ASTNode,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
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
  maxDocumentBytes: number;
}

/** Items a list field is assumed to return when no `first` says how many. */
const DEFAULT_LIST_SIZE = 20;

/**
 * Validation rules that refuse abusive documents before anything runs:
 * too deep, too costly (list sizes multiply), or with too many aliases.
 * Introspection fields are not counted (tools send deep introspection queries).
 */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [depthRule(limits.maxDepth), costRule(limits.maxCost), aliasRule(limits.maxAliases)];
}

/** A document longer than the limit is refused before parsing; null when it fits. */
export function documentTooLarge(query: unknown, maxBytes: number): string | null {
  if (typeof query !== 'string') return null;
  const bytes = Buffer.byteLength(query, 'utf8');
  return bytes > maxBytes ? `The GraphQL document is ${bytes} bytes; the maximum document size is ${maxBytes} bytes.` : null;
}

function depthRule(maxDepth: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const depth = selectionDepth(context, operation.selectionSet, new Set());
      if (depth > maxDepth) {
        context.reportError(limitError(`The operation is ${depth} levels deep; the maximum depth is ${maxDepth}.`, 'maxDepth', maxDepth, operation));
      }
    },
  });
}

function selectionDepth(context: ValidationContext, set: SelectionSetNode, visiting: Set<string>): number {
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const below = selection.selectionSet ? selectionDepth(context, selection.selectionSet, visiting) : 0;
      deepest = Math.max(deepest, 1 + below);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, selectionDepth(context, selection.selectionSet, visiting));
    } else {
      const fragment = fragmentOf(context, selection.name.value, visiting);
      if (fragment) {
        visiting.add(fragment.name.value);
        deepest = Math.max(deepest, selectionDepth(context, fragment.selectionSet, visiting));
        visiting.delete(fragment.name.value);
      }
    }
  }
  return deepest;
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
      const cost = selectionCost(context, operation.selectionSet, root, new Set());
      if (cost > maxCost) {
        context.reportError(limitError(`The operation would cost ${cost} points; the maximum cost is ${maxCost}. Ask for smaller pages.`, 'maxCost', maxCost, operation));
      }
    },
  });
}

type Fields = Record<string, { type: GraphQLOutputType; args: readonly { name: string }[] }>;

function selectionCost(context: ValidationContext, set: SelectionSetNode, fields: Fields, visiting: Set<string>, pageSize?: number): number {
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
      total += 1 + size * selectionCost(context, selection.selectionSet, childFields, visiting, first);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typeName = selection.typeCondition?.name.value;
      const typed = typeName ? objectFields(context.getSchema().getType(typeName) as GraphQLOutputType | undefined) : fields;
      total += selectionCost(context, selection.selectionSet, typed ?? fields, visiting, pageSize);
    } else {
      const fragment = fragmentOf(context, selection.name.value, visiting);
      if (!fragment) continue;
      const typed = objectFields(context.getSchema().getType(fragment.typeCondition.name.value) as GraphQLOutputType | undefined);
      visiting.add(fragment.name.value);
      total += selectionCost(context, fragment.selectionSet, typed ?? fields, visiting, pageSize);
      visiting.delete(fragment.name.value);
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

function aliasRule(maxAliases: number): ValidationRule {
  return (context) => {
    let aliases = 0;
    const visitor: ASTVisitor = {
      Field(node) {
        if (node.alias) aliases += 1;
      },
      Document: {
        leave(document) {
          if (aliases > maxAliases) {
            context.reportError(limitError(`The document uses ${aliases} aliases; the maximum is ${maxAliases}.`, 'maxAliases', maxAliases, document));
          }
        },
      },
    };
    return visitor;
  };
}

function fragmentOf(context: ValidationContext, name: string, visiting: Set<string>): FragmentDefinitionNode | null {
  if (visiting.has(name)) return null; // cycles are reported by NoFragmentCycles
  return context.getFragment(name) ?? null;
}

function limitError(message: string, limit: string, value: number, node: ASTNode): GraphQLError {
  return new GraphQLError(message, { nodes: node, extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit, max: value } });
}
