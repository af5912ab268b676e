import type { ApiRequest, ApiRouter } from '../http/api-router';
import type { SimContext } from '../http/sim-context';
import { notFound, SimError, validationFailed } from '../world/sim-error';
import type { SimRepo, SimWorkflow, SimWorkflowRun } from '../world/world.types';
import { repoFromPath } from './access';
import { pagingOf } from './pagination';
import { CHECK_SUITE_OFFSET, workflow, workflowRunSerializer } from './workflow-serializers';

const DAY = 86_400_000;

/** The `status` parameter takes a status or a conclusion (GitHub's enum). */
const RUN_STATUSES = ['completed', 'in_progress', 'queued', 'requested', 'waiting', 'pending'];
const RUN_CONCLUSIONS = [
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'skipped',
  'stale',
  'success',
  'timed_out',
];
/** With any of these, GitHub answers at most 1,000 runs (the first 1,000, newest first). */
const SEARCH_PARAMETERS = ['actor', 'branch', 'check_suite_id', 'created', 'event', 'head_sha', 'status'];
const MAX_SEARCH_RESULTS = 1000;
/**
 * Without them GitHub pages through at most 40,000 runs (`total_count` says 40,000) and answers a page past them
 * with this 422 (seen on github.com; not in its docs).
 */
const MAX_LISTED = 40_000;
const PAST_LISTED = 'In order to keep the API fast for everyone, pagination is limited for this resource.';

const invalid = (field: string, message: string) =>
  validationFailed([{ resource: 'WorkflowRun', field, code: 'invalid', message }]);

const DATE = /^\d{4}-\d\d-\d\d$/;
const DATE_TIME = /^(\d{4}-\d\d-\d\d)T\d\d:\d\d(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

/** The first and last millisecond a date (the whole UTC day) or a date-time (that instant) stands for. */
function instantRange(text: string): [number, number] | null {
  if (DATE.test(text)) {
    const start = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isFinite(start) || new Date(start).toISOString().slice(0, 10) !== text) return null;
    return [start, start + DAY - 1];
  }
  // A `+` of an unencoded offset arrives as a space.
  const m = DATE_TIME.exec(text.replace(' ', '+'));
  if (!m) return null;
  const ms = Date.parse(m[2] ? text.replace(' ', '+') : `${text}Z`);
  if (!Number.isFinite(ms) || new Date(Date.parse(`${m[1]}T00:00:00Z`)).toISOString().slice(0, 10) !== m[1])
    return null;
  return [ms, ms];
}

/**
 * GitHub's date-range syntax for `created`: `>=D`, `>D`, `<=D`, `<D`, `A..B` (either end may be `*`) or `D`, where
 * D is a date (a whole UTC day) or an ISO 8601 date-time. Null when it is not one of those.
 */
export function createdRange(value: string): { from: number; to: number } | null {
  const v = value.trim();
  const op = /^(>=|<=|>|<)(.+)$/.exec(v);
  if (op) {
    const r = instantRange((op[2] as string).trim());
    if (!r) return null;
    const [lo, hi] = r;
    if (op[1] === '>=') return { from: lo, to: Infinity };
    if (op[1] === '>') return { from: hi + 1, to: Infinity };
    if (op[1] === '<=') return { from: -Infinity, to: hi };
    return { from: -Infinity, to: lo - 1 };
  }
  const dots = v.indexOf('..');
  if (dots >= 0) {
    const a = v.slice(0, dots).trim();
    const b = v.slice(dots + 2).trim();
    const from = a === '*' ? -Infinity : instantRange(a)?.[0];
    const to = b === '*' ? Infinity : instantRange(b)?.[1];
    if (from === undefined || to === undefined) return null;
    return { from, to };
  }
  const r = instantRange(v);
  return r ? { from: r[0], to: r[1] } : null;
}

/**
 * GitHub Actions reads: workflows, and workflow runs listed newest first with GitHub's filters. Like other
 * repository reads (private repositories need access and the `repo` scope); an installation needs `actions: read`.
 */
export function registerActionsRoutes(api: ApiRouter, ctx: SimContext): void {
  const w = ctx.world;
  const q = (r: ApiRequest, name: string) => {
    const v = r.query(name);
    return v === undefined || v === '' ? undefined : v;
  };
  const excludePulls = (r: ApiRequest) => ['true', '1'].includes(q(r, 'exclude_pull_requests') ?? '');
  const perPageChecked = (r: ApiRequest) => {
    const raw = q(r, 'per_page');
    if (raw !== undefined && (!/^\d+$/.test(raw) || Number(raw) < 1))
      throw invalid('per_page', 'per_page must be a positive integer (at most 100)');
    return pagingOf(r);
  };
  const workflowOf = (repo: SimRepo, r: ApiRequest): SimWorkflow => {
    const key = r.param('workflow_id');
    const d = w.detail(repo);
    const found = /^\d+$/.test(key)
      ? d.workflows.find((x) => x.id === Number(key))
      : d.workflows.find((x) => x.path === key || x.path.split('/').pop() === key);
    if (!found) throw notFound();
    return found;
  };

  const listRuns = (r: ApiRequest, repo: SimRepo, only?: SimWorkflow) => {
    const paging = perPageChecked(r);
    const [branch, event, status, actor, created, headSha, checkSuite] = [
      q(r, 'branch'),
      q(r, 'event'),
      q(r, 'status'),
      q(r, 'actor'),
      q(r, 'created'),
      q(r, 'head_sha'),
      q(r, 'check_suite_id'),
    ];
    if (status !== undefined && !RUN_STATUSES.includes(status) && !RUN_CONCLUSIONS.includes(status))
      throw invalid('status', `status must be one of: ${[...RUN_STATUSES, ...RUN_CONCLUSIONS].join(', ')}`);
    const range = created === undefined ? null : createdRange(created);
    if (created !== undefined && !range)
      throw invalid(
        'created',
        `created must be a date or date-time (ISO 8601), optionally with >, >=, <, <= or a range a..b: ${JSON.stringify(created)}`,
      );
    const actorId = actor === undefined ? undefined : (w.user(actor)?.id ?? -1);
    const matches = (run: SimWorkflowRun) =>
      (only === undefined || run.workflowId === only.id) &&
      (branch === undefined || run.headBranch === branch) &&
      (event === undefined || run.event === event) &&
      (status === undefined ||
        (RUN_STATUSES.includes(status) ? run.status === status : run.conclusion === status)) &&
      (actorId === undefined || run.actorId === actorId) &&
      (range === null || (run.createdAt >= range.from && run.createdAt <= range.to)) &&
      (headSha === undefined || run.headSha === headSha) &&
      (checkSuite === undefined || run.id + CHECK_SUITE_OFFSET === Number(checkSuite));
    let rows = w
      .detail(repo)
      .workflowRuns.filter(matches)
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    const { page, perPage } = paging;
    const start = (page - 1) * perPage;
    if (SEARCH_PARAMETERS.some((p) => q(r, p) !== undefined)) rows = rows.slice(0, MAX_SEARCH_RESULTS);
    else if (start >= MAX_LISTED)
      throw new SimError(422, PAST_LISTED, { documentation_url: 'https://docs.github.com/v3/#pagination' });
    else rows = rows.slice(0, MAX_LISTED);
    const serialize = workflowRunSerializer(w, r.urls, repo, excludePulls(r));
    return {
      body: { total_count: rows.length, workflow_runs: rows.slice(start, start + perPage).map(serialize) },
      link: { page, perPage, lastPage: Math.max(1, Math.ceil(rows.length / perPage)) },
    };
  };

  api.get('/repos/:owner/:repo/actions/runs', '/repos/{owner}/{repo}/actions/runs', (r) =>
    listRuns(r, repoFromPath(w, r)),
  );

  api.get('/repos/:owner/:repo/actions/runs/:run_id', '/repos/{owner}/{repo}/actions/runs/{run_id}', (r) => {
    const repo = repoFromPath(w, r);
    const key = r.param('run_id');
    const run = /^\d+$/.test(key) ? w.detail(repo).workflowRuns.find((x) => x.id === Number(key)) : undefined;
    if (!run) throw notFound();
    return { status: 200, body: workflowRunSerializer(w, r.urls, repo, excludePulls(r))(run) };
  });

  api.get('/repos/:owner/:repo/actions/workflows', '/repos/{owner}/{repo}/actions/workflows', (r) => {
    const repo = repoFromPath(w, r);
    const { page, perPage } = pagingOf(r);
    const rows = [...w.detail(repo).workflows].sort((a, b) => a.id - b.id);
    const start = (page - 1) * perPage;
    return {
      body: {
        total_count: rows.length,
        workflows: rows.slice(start, start + perPage).map((x) => workflow(w, r.urls, repo, x)),
      },
      link: { page, perPage, lastPage: Math.max(1, Math.ceil(rows.length / perPage)) },
    };
  });

  api.get(
    '/repos/:owner/:repo/actions/workflows/:workflow_id',
    '/repos/{owner}/{repo}/actions/workflows/{workflow_id}',
    (r) => {
      const repo = repoFromPath(w, r);
      return { status: 200, body: workflow(w, r.urls, repo, workflowOf(repo, r)) };
    },
  );

  api.get(
    '/repos/:owner/:repo/actions/workflows/:workflow_id/runs',
    '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
    (r) => {
      const repo = repoFromPath(w, r);
      return listRuns(r, repo, workflowOf(repo, r));
    },
  );
}
