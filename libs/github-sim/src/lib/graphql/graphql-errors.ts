import { visit, type ASTNode, type DocumentNode, type GraphQLError } from 'graphql';
import type { GithubGraphqlError } from './query-cost';

const TOKEN_NAMES: Record<string, string> = {
  '}': 'RCURLY',
  '{': 'LCURLY',
  ')': 'RPAREN',
  '(': 'LPAREN',
  ':': 'COLON',
  '[': 'LBRACKET',
  ']': 'RBRACKET',
  '!': 'BANG',
  $: 'VAR_SIGN',
  '=': 'EQUALS',
  '@': 'DIR_SIGN',
  '...': 'ELLIPSIS',
  '<EOF>': 'end of file',
};

/** graphql-js syntax error -> GitHub's `Parse error on "}" (RCURLY) at [1, 5]`. */
export function parseError(e: GraphQLError): GithubGraphqlError {
  const loc = e.locations?.[0] ?? { line: 1, column: 1 };
  const m = /found "?([^".]+|\.\.\.)"?\.?$/.exec(e.message) ?? /Unexpected "?([^"]+?)"?\.?$/.exec(e.message);
  const token = m?.[1] ?? '';
  const kind = TOKEN_NAMES[token] ?? (token.startsWith('<') ? 'end of file' : 'IDENTIFIER');
  const message =
    token === '<EOF>'
      ? `Parse error on end of file at [${loc.line}, ${loc.column}]`
      : `Parse error on "${token}" (${kind}) at [${loc.line}, ${loc.column}]`;
  return { message, locations: [{ line: loc.line, column: loc.column }] };
}

/** Path of field names down to an AST node, prefixed with the operation type (GitHub's validation error `path`). */
function pathTo(doc: DocumentNode, target: ASTNode | undefined): Array<string | number> | undefined {
  if (!target) return undefined;
  let found: Array<string | number> | undefined;
  visit(doc, {
    enter(node, _key, _parent, _path, ancestors) {
      if (found) return false;
      if (node !== target) return undefined;
      const names: Array<string | number> = [];
      for (const a of [...ancestors, node] as ASTNode[]) {
        if (!a || Array.isArray(a) || typeof a !== 'object' || !('kind' in a)) continue;
        if (a.kind === 'OperationDefinition')
          names.push(a.name ? `${a.operation} ${a.name.value}` : a.operation);
        else if (a.kind === 'FragmentDefinition') names.push(`fragment ${a.name.value}`);
        else if (a.kind === 'Field') names.push(a.alias?.value ?? a.name.value);
        else if (a.kind === 'InlineFragment')
          names.push(`... on ${a.typeCondition?.name.value ?? ''}`.trim());
        else if (a.kind === 'Argument') names.push(a.name.value);
      }
      found = names;
      return false;
    },
  });
  return found;
}

/** graphql-js validation errors reworded the way GitHub's GraphQL API reports them. */
export function validationError(doc: DocumentNode, e: GraphQLError): GithubGraphqlError {
  const locations = e.locations?.map((l) => ({ line: l.line, column: l.column }));
  const path = pathTo(doc, e.nodes?.[0]);
  let m: RegExpExecArray | null;
  if ((m = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(e.message))) {
    return {
      path,
      extensions: { code: 'undefinedField', typeName: m[2], fieldName: m[1] },
      locations,
      message: `Field '${m[1]}' doesn't exist on type '${m[2]}'`,
    };
  }
  if ((m = /^Unknown argument "(\w+)" on field "(\w+)\.(\w+)"\./.exec(e.message))) {
    return {
      path,
      extensions: { code: 'argumentNotAccepted', name: m[3], typeName: 'Field', argumentName: m[1] },
      locations,
      message: `Field '${m[3]}' doesn't accept argument '${m[1]}'`,
    };
  }
  if (
    (m = /^Field "(\w+)" argument "(\w+)" of type "[^"]+" is required, but it was not provided\./.exec(
      e.message,
    ))
  ) {
    return {
      path,
      extensions: { code: 'missingRequiredArguments', className: 'Field', name: m[1], arguments: m[2] },
      locations,
      message: `Field '${m[1]}' is missing required arguments: ${m[2]}`,
    };
  }
  if ((m = /^Unknown type "(\w+)"\./.exec(e.message))) {
    return {
      path,
      extensions: { code: 'undefinedType', typeName: m[1] },
      locations,
      message: `No such type ${m[1]}, so it can't be a fragment condition`,
    };
  }
  if ((m = /^Field "(\w+)" of type "([^"]+)" must have a selection of subfields\./.exec(e.message))) {
    const [, field, type = ''] = m;
    const typeName = type.replace(/[[\]!]/g, '');
    return {
      path,
      extensions: { code: 'selectionMismatch', nodeName: `field '${field}'`, typeName },
      locations,
      message: `Field must have selections (field '${field}' returns ${typeName} but has no selections. Did you mean '${field} { ... }'?)`,
    };
  }
  if (
    (m = /^Field "(\w+)" must not have a selection since type "([^"]+)" has no subfields\./.exec(e.message))
  ) {
    return {
      path,
      extensions: { code: 'selectionMismatch', nodeName: `field '${m[1]}'`, typeName: m[2] },
      locations,
      message: `Selections can't be made on scalars (field '${m[1]}' returns ${m[2]} but has selections [...])`,
    };
  }
  if ((m = /^Variable "\$(\w+)" is never used/.exec(e.message))) {
    return {
      path,
      extensions: { code: 'variableNotUsed', variableName: m[1] },
      locations,
      message: `Variable $${m[1]} is declared by anonymous query but not used`,
    };
  }
  return { path, locations, message: e.message };
}
