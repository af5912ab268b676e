import type { Request, Response } from 'express';
import {
  execute,
  GraphQLError,
  isNonNullType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type OperationDefinitionNode,
} from 'graphql';
import { commonHeaders, effectiveScopes, errorBody, requestIdOf, sendJson, urlsOf } from '../http/api-router';
import { installationAuth, installationRateLimit, userTokenAuth } from '../http/app-auth';
import { graphqlTimeoutMessage, secondaryLimitError } from '../http/faults';
import type { SimContext } from '../http/sim-context';
import { SimError } from '../world/sim-error';
import { GqlModels } from './gql-models';
import { githubSchema } from './github-schema';
import { parseError, validationError } from './graphql-errors';
import { notSimulated, type GqlContext } from './models/gql-model';
import { analyzeQuery, type GithubGraphqlError } from './query-cost';

const GRAPHQL_DOCS = 'https://docs.github.com/graphql';
const MAX_QUERY_BYTES = 100_000;

/** Property lookup; functions are called with the field arguments. Unknown non-null fields say so clearly. */
const fieldResolver: GraphQLFieldResolver<unknown, GqlContext> = (source, args, context, info) => {
  if (source === null || source === undefined || typeof source !== 'object') return null;
  const obj = source as Record<string, unknown>;
  const v = obj[info.fieldName];
  if (typeof v === 'function')
    return (v as (a: unknown, c: unknown, i: unknown) => unknown).call(obj, args, context, info);
  if (v === undefined) {
    if (isNonNullType(info.returnType)) throw notSimulated(`${info.parentType.name}.${info.fieldName}`);
    return null;
  }
  return v;
};

function formatExecutionError(e: GraphQLError): GithubGraphqlError {
  const { type, ...extensions } = (e.extensions ?? {}) as Record<string, unknown>;
  return {
    ...(typeof type === 'string' ? { type } : {}),
    path: e.path ? [...e.path] : undefined,
    ...(Object.keys(extensions).length ? { extensions } : {}),
    locations: e.locations?.map((l) => ({ line: l.line, column: l.column })),
    message: e.message,
  };
}

/**
 * POST /graphql: queries executed against GitHub's official schema with GitHub's validation messages,
 * pagination rules, point cost, rate-limit headers (resource "graphql") and RATE_LIMITED errors.
 */
export function graphqlHandler(ctx: SimContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = requestIdOf();
    commonHeaders(res, requestId);
    const stats = ctx.stats.data.graphql;
    const replyErrors = (errors: GithubGraphqlError[], headers: Record<string, string> = {}) => {
      stats.errors++;
      sendJson(res, 200, { errors }, headers);
    };
    let rateKey = '';
    let entered = false;
    try {
      const injected = await ctx.faults.before(req.path, requestId);
      if (injected) throw injected;
      const header = req.header('authorization') ?? '';
      const [, presented] = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim()) ?? [];
      if (!header) {
        throw new SimError(401, 'This endpoint requires you to be authenticated.', {
          documentation_url: `${GRAPHQL_DOCS}/guides/forming-calls-with-graphql#authenticating-with-graphql`,
        });
      }
      const installation =
        presented?.startsWith('ghs_') === true ? installationAuth(ctx.world, presented) : null;
      const user = presented === undefined || installation ? null : userTokenAuth(ctx.world, presented);
      if (!installation && !user)
        throw new SimError(401, 'Bad credentials', { documentation_url: GRAPHQL_DOCS });
      // An installation has no user: its rate key, budget and messages are the installation's own.
      const token = user
        ? user.token
        : { userId: 0, scopes: [] as string[], githubAppId: null as number | null | undefined };
      res.setHeader('X-OAuth-Scopes', user ? user.token.scopes.join(', ') : '');
      res.setHeader('X-Accepted-OAuth-Scopes', 'repo');
      rateKey = installation ? `inst:${installation.installation.id}` : `u:${token.userId}`;
      if (installation)
        ctx.limiter.setKeyLimit(
          rateKey,
          installationRateLimit(ctx.world, installation.installation, ctx.limiter.limits.graphql),
        );
      const viewerLogin = user ? user.user.login : '';
      const who = installation
        ? `for installation ID ${installation.installation.id}`
        : `for user ID ${token.userId}`;

      const limited = ctx.faults.graphqlRateLimitFor(viewerLogin);
      if (limited) {
        // Both shapes are quoted from real answers (octokit/plugin-throttling#848, githubkit#271); neither runs the query.
        ctx.stats.data.rateLimit.primaryRejections++;
        stats.errors++;
        const b = ctx.limiter.bucket(rateKey, 'graphql');
        const headers = {
          ...ctx.limiter.headers(b, 'graphql'),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': String(b.limit),
        };
        const body =
          limited.shape === 'RATE_LIMITED'
            ? {
                data: null,
                errors: [{ type: 'RATE_LIMITED', message: `API rate limit exceeded ${who}.` }],
              }
            : {
                errors: [
                  {
                    type: 'RATE_LIMIT',
                    code: 'graphql_rate_limit',
                    message: `API rate limit already exceeded ${who}.`,
                  },
                ],
                data: null,
              };
        return sendJson(res, limited.status ?? 200, body, headers);
      }

      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
        string,
        unknown
      >;
      const query = body['query'];
      if (typeof query !== 'string' || !query.trim())
        return replyErrors([{ message: 'A query attribute must be specified and must be a string.' }]);
      if (Buffer.byteLength(query) > MAX_QUERY_BYTES)
        return replyErrors([{ message: `Query is too large (over ${MAX_QUERY_BYTES} bytes).` }]);
      let variables = body['variables'] ?? {};
      if (typeof variables === 'string') {
        try {
          variables = variables ? JSON.parse(variables) : {};
        } catch {
          return replyErrors([{ message: 'Variables are invalid JSON.' }]);
        }
      }
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables))
        return replyErrors([{ message: 'Variables are invalid JSON.' }]);
      const operationName =
        typeof body['operationName'] === 'string' && body['operationName']
          ? body['operationName']
          : undefined;

      let doc: DocumentNode;
      try {
        doc = parse(query, { maxTokens: 20_000 });
      } catch (e) {
        return replyErrors([parseError(e as GraphQLError)]);
      }
      const schema = githubSchema();
      const validationErrors = validate(schema, doc);
      if (validationErrors.length) return replyErrors(validationErrors.map((e) => validationError(doc, e)));

      const ops = doc.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      const op = operationName
        ? ops.find((o) => o.name?.value === operationName)
        : ops.length === 1
          ? ops[0]
          : undefined;
      if (!op)
        return replyErrors([
          {
            message: operationName
              ? `No operation named "${operationName}"`
              : 'An operation name is required',
          },
        ]);
      if (op.operation !== 'query')
        return replyErrors([
          {
            type: 'NOT_SIMULATED',
            message: `github-sim does not simulate ${op.operation}s; only queries are supported.`,
          },
        ]);
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
      const analysis = analyzeQuery(schema, op, fragments, variables as Record<string, unknown>);
      if (analysis.errors.length) return replyErrors(analysis.errors);

      entered = true;
      if (!ctx.limiter.enter(rateKey)) throw secondaryLimitError(requestId, 60);
      const bucket = ctx.limiter.bucket(rateKey, 'graphql');
      if (ctx.limiter.remaining(bucket) < analysis.cost) {
        ctx.stats.data.rateLimit.primaryRejections++;
        return replyErrors([{ type: 'RATE_LIMITED', message: `API rate limit already exceeded ${who}.` }], {
          ...ctx.limiter.headers(bucket, 'graphql'),
          'x-ratelimit-remaining': '0',
        });
      }
      // GitHub's secondary limit counts a GraphQL request as 1 point (5 with mutations, which are not simulated),
      // not its query cost: docs.github.com "Rate limits and query limits for the GraphQL API", secondary rate limits.
      const minutePoints = ctx.limiter.limits.graphqlMinuteCharge === 'queryCost' ? analysis.cost : 1;
      if (!ctx.limiter.spendMinute(rateKey, 'graphql', minutePoints)) {
        ctx.stats.data.rateLimit.secondaryRejections++;
        throw secondaryLimitError(requestId, ctx.limiter.minuteRetryAfter(rateKey, 'graphql'));
      }
      const dryRun = isDryRun(op, variables as Record<string, unknown>);
      const after = dryRun ? bucket : ctx.limiter.consume(rateKey, 'graphql', analysis.cost);
      const rateHeaders = ctx.limiter.headers(after, 'graphql');
      stats.queries++;
      stats.points += dryRun ? 0 : analysis.cost;
      stats.nodesRequested += analysis.nodeCount;

      if (!dryRun && ctx.faults.graphqlTimesOut()) {
        stats.errors++;
        return sendJson(
          res,
          200,
          { data: null, errors: [{ message: graphqlTimeoutMessage(requestId) }] },
          rateHeaders,
        );
      }

      const maxNodes = ctx.faults.graphqlMaxNodes;
      if (!dryRun && maxNodes !== undefined && analysis.nodeCount > maxNodes) {
        ctx.stats.data.faults.injectedErrors++;
        stats.errors++;
        return sendJson(
          res,
          502,
          {
            data: null,
            errors: [
              {
                message: graphqlTimeoutMessage(requestId),
              },
            ],
          },
          rateHeaders,
        );
      }

      const gctx: GqlContext = {
        world: ctx.world,
        viewerId: token.userId,
        scopes: user ? effectiveScopes(user.token) : [],
        installation: installation ?? undefined,
        userApp: user?.token.githubAppId ?? null,
        urls: urlsOf(ctx, req),
        rateLimit: {
          cost: analysis.cost,
          limit: after.limit,
          nodeCount: analysis.nodeCount,
          remaining: ctx.limiter.remaining(after),
          resetAt: new Date(after.reset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          used: ctx.limiter.used(after),
        },
        faults: ctx.faults,
        viewerLogin,
      };
      const result = await execute({
        schema,
        // A dry run costs the query without running it: only `rateLimit` is resolved.
        document: dryRun ? onlyRateLimit(doc, op) : doc,
        rootValue: new GqlModels(gctx).root(),
        contextValue: gctx,
        variableValues: variables as Record<string, unknown>,
        operationName,
        fieldResolver,
      });
      const out: Record<string, unknown> = { data: result.data ?? null };
      if (result.errors?.length) {
        stats.errors++;
        out['errors'] = result.errors.map(formatExecutionError);
      }
      sendJson(res, 200, out, rateHeaders);
    } catch (e) {
      if (e instanceof SimError) {
        stats.errors++;
        if (e.status >= 500) {
          return sendJson(res, e.status, {
            data: null,
            errors: [
              {
                message: `Something went wrong while executing your query. Please include \`${requestId}\` when reporting this issue.`,
              },
            ],
          });
        }
        return sendJson(res, e.status, errorBody(e.status, e.message, e.extra), e.headers);
      }
      console.error('[github-sim] graphql', e);
      sendJson(res, 500, errorBody(500, 'Server Error'));
    } finally {
      if (entered) ctx.limiter.leave(rateKey);
    }
  };
}

/** `rateLimit(dryRun: true)` at the root, as a literal or through a variable. */
function isDryRun(op: OperationDefinitionNode, variables: Record<string, unknown>): boolean {
  return op.selectionSet.selections.some(
    (sel) =>
      sel.kind === Kind.FIELD &&
      sel.name.value === 'rateLimit' &&
      (sel.arguments ?? []).some(
        (a) =>
          a.name.value === 'dryRun' &&
          ((a.value.kind === Kind.BOOLEAN && a.value.value) ||
            (a.value.kind === Kind.VARIABLE && variables[a.value.name.value] === true)),
      ),
  );
}

/** The document with the operation's root selections cut down to `rateLimit` and `__typename`. */
function onlyRateLimit(doc: DocumentNode, op: OperationDefinitionNode): DocumentNode {
  const selections = op.selectionSet.selections.filter(
    (sel) => sel.kind === Kind.FIELD && (sel.name.value === 'rateLimit' || sel.name.value === '__typename'),
  );
  const trimmed: OperationDefinitionNode = { ...op, selectionSet: { ...op.selectionSet, selections } };
  return { ...doc, definitions: doc.definitions.map((d) => (d === op ? trimmed : d)) };
}
