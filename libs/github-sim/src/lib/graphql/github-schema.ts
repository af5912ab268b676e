import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from 'graphql';

let cached: GraphQLSchema | null = null;

/**
 * GitHub's official public GraphQL schema, from @octokit/graphql-schema.
 *
 * Its schema.graphql repeats some field definitions (e.g. EnterpriseOwnerInfo.repositoryDeployKeySetting), which
 * `buildSchema` rejects; the introspection result schema.json builds cleanly with `buildClientSchema`.
 * The package only exports an ESM entry that reads the file through import.meta.url, so we locate the file
 * ourselves (works under Jest/CommonJS, tsx and bundlers alike).
 */
export function githubSchema(): GraphQLSchema {
  if (cached) return cached;
  const file = locateSchemaJson();
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    data?: IntrospectionQuery;
  } & Partial<IntrospectionQuery>;
  cached = buildClientSchema((json.data ?? json) as IntrospectionQuery, { assumeValid: true });
  return cached;
}

export function schemaJsonPath(): string {
  return locateSchemaJson();
}

function locateSchemaJson(): string {
  const rel = join('node_modules', '@octokit', 'graphql-schema', 'schema.json');
  const starts = [typeof __dirname === 'string' ? __dirname : undefined, process.cwd()].filter(
    (d): d is string => !!d,
  );
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      const candidate = join(dir, rel);
      if (existsSync(candidate)) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(
    'github-sim: cannot find node_modules/@octokit/graphql-schema/schema.json (install @octokit/graphql-schema)',
  );
}
