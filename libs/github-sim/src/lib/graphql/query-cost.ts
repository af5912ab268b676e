import {
  getNamedType,
  GraphQLInt,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  valueFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export interface GithubGraphqlError {
  type?: string;
  path?: Array<string | number>;
  locations?: Array<{ line: number; column: number }>;
  message: string;
  extensions?: Record<string, unknown>;
}

export interface QueryCost {
  /** Requests GitHub would need: each connection under each parent counts once. */
  requests: number;
  /** GitHub's point cost: max(1, round(requests / 100)). */
  cost: number;
  /** Upper bound of nodes the query can return (GitHub's 500,000 node limit). */
  nodeCount: number;
  errors: GithubGraphqlError[];
}

export const MAX_PAGE = 100;
export const MAX_NODES = 500_000;

function isConnectionField(field: GraphQLField<unknown, unknown>): boolean {
  const t = getNamedType(field.type);
  return isObjectType(t) && t.name.endsWith('Connection') && 'pageInfo' in t.getFields();
}

/**
 * GitHub's documented rate-limit arithmetic plus its pagination rules (first/last required for nodes/edges,
 * 1..100, not both), computed statically from the query like GitHub does before executing it.
 */
export function analyzeQuery(
  schema: GraphQLSchema,
  op: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): QueryCost {
  const out: QueryCost = { requests: 0, cost: 1, nodeCount: 0, errors: [] };
  const root = op.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return out;
  const rootPath = [op.operation === 'mutation' ? 'mutation' : 'query'];
  const intArg = (node: FieldNode, name: string): number | undefined => {
    const arg = node.arguments?.find((a) => a.name.value === name);
    if (!arg) return undefined;
    const v = valueFromAST(arg.value, GraphQLInt, variables) as number | null | undefined;
    return v === null ? undefined : v;
  };
  const selects = (set: SelectionSetNode | undefined, names: string[], seen = new Set<string>()): boolean => {
    if (!set) return false;
    return set.selections.some((s) => {
      if (s.kind === Kind.FIELD) return names.includes(s.name.value);
      if (s.kind === Kind.INLINE_FRAGMENT) return selects(s.selectionSet, names, seen);
      const frag = fragments[s.name.value];
      if (!frag || seen.has(frag.name.value)) return false;
      seen.add(frag.name.value);
      return selects(frag.selectionSet, names, seen);
    });
  };

  const walk = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    multiplier: number,
    path: string[],
    seenFragments: Set<string>,
  ) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (cond && isCompositeType(cond)) walk(sel.selectionSet, cond, multiplier, path, seenFragments);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments[sel.name.value];
        if (!frag || seenFragments.has(frag.name.value)) continue;
        const cond = schema.getType(frag.typeCondition.name.value);
        if (cond && isCompositeType(cond))
          walk(frag.selectionSet, cond, multiplier, path, new Set([...seenFragments, frag.name.value]));
        continue;
      }
      const name = sel.name.value;
      if (name.startsWith('__')) continue;
      const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : {};
      const field = fields[name];
      if (!field) continue;
      const fieldPath = [...path, sel.alias?.value ?? name];
      const location = sel.loc
        ? [{ line: sel.loc.startToken.line, column: sel.loc.startToken.column }]
        : undefined;
      let childMultiplier = multiplier;
      if (isConnectionField(field)) {
        const first = intArg(sel, 'first');
        const last = intArg(sel, 'last');
        const wantsNodes = selects(sel.selectionSet, ['nodes', 'edges']);
        const err = (type: string, message: string) =>
          out.errors.push({ type, path: fieldPath, locations: location, message });
        if (first !== undefined && last !== undefined) {
          err(
            'EXCESSIVE_PAGINATION',
            `Passing both \`first\` and \`last\` to paginate the \`${name}\` connection is not supported.`,
          );
        } else if (first === undefined && last === undefined) {
          if (wantsNodes)
            err(
              'MISSING_PAGINATION_BOUNDARIES',
              `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
            );
        } else {
          const [which, value] = first !== undefined ? ['first', first] : ['last', last as number];
          if (value > MAX_PAGE)
            err(
              'EXCESSIVE_PAGINATION',
              `Requesting ${value} records on the \`${name}\` connection exceeds the \`${which}\` limit of ${MAX_PAGE} records.`,
            );
          else if (value < 0)
            err('INVALID_PAGINATION', `\`${which}\` on the \`${name}\` connection cannot be less than zero.`);
        }
        const limit = Math.max(0, Math.min(first ?? last ?? 0, MAX_PAGE));
        out.requests += multiplier;
        out.nodeCount += multiplier * limit;
        childMultiplier = multiplier * Math.max(1, limit);
        if (out.nodeCount > MAX_NODES && !out.errors.some((e) => e.type === 'MAX_NODE_LIMIT_EXCEEDED')) {
          err(
            'MAX_NODE_LIMIT_EXCEEDED',
            `By the time this query traverses to the ${name} connection, it is requesting up to ${out.nodeCount.toLocaleString('en-US')} possible nodes which exceeds the maximum limit of ${MAX_NODES.toLocaleString('en-US')}.`,
          );
        }
      }
      const child = getNamedType(field.type);
      if (sel.selectionSet && isCompositeType(child))
        walk(sel.selectionSet, child, childMultiplier, fieldPath, seenFragments);
    }
  };
  walk(op.selectionSet, root, 1, rootPath, new Set());
  out.cost = Math.max(1, Math.round(out.requests / 100));
  return out;
}
