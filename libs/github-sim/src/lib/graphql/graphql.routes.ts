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
import { commonHeaders, errorBody, requestIdOf, sendJson, urlsOf } from '../http/api-router';
import { secondaryLimitError } from '../http/faults';
import type { SimContext } from '../http/sim-context';
import { SimError } from '../world/sim-error';
import { GqlModels, notSimulated, type GqlContext } from './gql-models';
import { githubSchema } from './github-schema';
import { parseError, validationError } from './graphql-errors';
import { analyzeQuery, type GithubGraphqlError } from './query-cost';

const GRAPHQL_DOCS = 'https://docs.github.com/graphql';
const MAX_QUERY_BYTES = 100_000;

/** Property lookup; functions are called with the field arguments. Unknown non-null fields say so clearly. */
const fieldResolver: GraphQLFieldResolver<unknown, GqlContext> = (source, args, context, info) => {
  if (source === null || source === undefined || typeof source !== 'object') return null;
  const obj = source as Record<string, unknown>;
  const v = obj[info.fieldName];
  if (typeof v === 'function') return (v as (a: unknown, c: unknown, i: unknown) => unknown).call(obj, args, context, info);
  if (v === undefined) {
    if (isNonNullType(info.returnType)) throw notSimulated(`${info.parentType.name}.${info.fieldName}`);
    return null;
  }
  return v;
};

function formatExecutionError(e: GraphQLError): GithubGraphqlError {
  const type = e.extensions?.['type'] as string | undefined;
  return {
    ...(type ? { type } : {}),
    path: e.path ? [...e.path] : undefined,
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
      const m = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
      if (!header) {
        throw new SimError(401, 'This endpoint requires you to be authenticated.', {
          documentation_url: `${GRAPHQL_DOCS}/guides/forming-calls-with-graphql#authenticating-with-graphql`,
        });
      }
      const token = m ? ctx.world.tokens.get(m[1]) : undefined;
      if (!token || !ctx.world.users.get(token.userId)) throw new SimError(401, 'Bad credentials', { documentation_url: GRAPHQL_DOCS });
      res.setHeader('X-OAuth-Scopes', token.scopes.join(', '));
      res.setHeader('X-Accepted-OAuth-Scopes', 'repo');
      rateKey = `u:${token.userId}`;

      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
      const query = body['query'];
      if (typeof query !== 'string' || !query.trim()) return replyErrors([{ message: 'A query attribute must be specified and must be a string.' }]);
      if (Buffer.byteLength(query) > MAX_QUERY_BYTES) return replyErrors([{ message: `Query is too large (over ${MAX_QUERY_BYTES} bytes).` }]);
      let variables = body['variables'] ?? {};
      if (typeof variables === 'string') {
        try {
          variables = variables ? JSON.parse(variables) : {};
        } catch {
          return replyErrors([{ message: 'Variables are invalid JSON.' }]);
        }
      }
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return replyErrors([{ message: 'Variables are invalid JSON.' }]);
      const operationName = typeof body['operationName'] === 'string' && body['operationName'] ? body['operationName'] : undefined;

      let doc: DocumentNode;
      try {
        doc = parse(query, { maxTokens: 20_000 });
      } catch (e) {
        return replyErrors([parseError(e as GraphQLError)]);
      }
      const schema = githubSchema();
      const validationErrors = validate(schema, doc);
      if (validationErrors.length) return replyErrors(validationErrors.map((e) => validationError(doc, e)));

      const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
      if (!op) return replyErrors([{ message: operationName ? `No operation named "${operationName}"` : 'An operation name is required' }]);
      if (op.operation !== 'query') return replyErrors([{ type: 'NOT_SIMULATED', message: `github-sim does not simulate ${op.operation}s; only queries are supported.` }]);
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
      const analysis = analyzeQuery(schema, op, fragments, variables as Record<string, unknown>);
      if (analysis.errors.length) return replyErrors(analysis.errors);

      entered = true;
      if (!ctx.limiter.enter(rateKey)) throw secondaryLimitError(requestId, 60);
      const bucket = ctx.limiter.bucket(rateKey, 'graphql');
      if (ctx.limiter.remaining(bucket) < analysis.cost) {
        ctx.stats.data.rateLimit.primaryRejections++;
        return replyErrors([{ type: 'RATE_LIMITED', message: `API rate limit already exceeded for user ID ${token.userId}.` }], {
          ...ctx.limiter.headers(bucket, 'graphql'),
          'x-ratelimit-remaining': '0',
        });
      }
      if (!ctx.limiter.spendMinute(rateKey, 'graphql', analysis.cost)) {
        ctx.stats.data.rateLimit.secondaryRejections++;
        throw secondaryLimitError(requestId, ctx.limiter.minuteRetryAfter(rateKey, 'graphql'));
      }
      const dryRun = /rateLimit\s*\(\s*dryRun\s*:\s*true/.test(query);
      const after = dryRun ? bucket : ctx.limiter.consume(rateKey, 'graphql', analysis.cost);
      const rateHeaders = ctx.limiter.headers(after, 'graphql');
      stats.queries++;
      stats.points += dryRun ? 0 : analysis.cost;
      stats.nodesRequested += analysis.nodeCount;

      const maxNodes = ctx.faults.graphqlMaxNodes;
      if (maxNodes !== undefined && analysis.nodeCount > maxNodes) {
        ctx.stats.data.faults.injectedErrors++;
        stats.errors++;
        return sendJson(
          res,
          502,
          {
            data: null,
            errors: [
              {
                message: `Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include \`${requestId}\` when reporting this issue.`,
              },
            ],
          },
          rateHeaders,
        );
      }

      const gctx: GqlContext = {
        world: ctx.world,
        viewerId: token.userId,
        scopes: token.scopes,
        urls: urlsOf(ctx, req),
        rateLimit: {
          cost: analysis.cost,
          limit: after.limit,
          nodeCount: analysis.nodeCount,
          remaining: ctx.limiter.remaining(after),
          resetAt: new Date(after.reset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          used: ctx.limiter.used(after),
        },
      };
      const result = await execute({
        schema,
        document: doc,
        rootValue: new GqlModels(gctx).query(),
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
            errors: [{ message: `Something went wrong while executing your query. Please include \`${requestId}\` when reporting this issue.` }],
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
