import type { components } from '@octokit/openapi-types';
import { client, control, graphql, webhookReceiver } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

type S = components['schemas'];
const REPO = '/repos/acme-corp/playground';

describe('issue assignees and the pull requests or commits that close issues', () => {
  let sim: GithubSimHandle;
  let token: string;
  let api: ReturnType<typeof client>;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let members: string[];

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', seed: 42, now: '2025-06-01T00:00:00Z' });
    token = sim.issueToken('octocat', ['repo', 'admin:repo_hook']);
    api = client(sim, token);
    receiver = await webhookReceiver();
    await api.post(`${REPO}/hooks`, {
      config: { url: receiver.url, content_type: 'json' },
      events: ['issues', 'pull_request'],
    });
    await sim.world.settled();
    const org = sim.world.org('acme-corp');
    members = [...(org?.members.keys() ?? [])].map((id) => sim.world.users.get(id)?.login as string);
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  const issuesEvents = (number: number) =>
    receiver.received
      .filter((d) => d.headers['x-github-event'] === 'issues')
      .map((d) => JSON.parse(d.body) as { action: string; issue: S['issue']; assignee?: S['simple-user'] })
      .filter((p) => p.issue.number === number);

  const issueQuery = `query($owner: String!, $name: String!, $number: Int!) {
    repository(owner: $owner, name: $name) {
      issue(number: $number) {
        state stateReason
        assignees(first: 10) { totalCount nodes { login } }
        open: closedByPullRequestsReferences(first: 5) { totalCount nodes { number state } }
        all: closedByPullRequestsReferences(first: 5, includeClosedPrs: true) { totalCount nodes { number state merged } }
        timelineItems(first: 10, itemTypes: [CLOSED_EVENT]) {
          totalCount
          nodes {
            __typename
            ... on ClosedEvent {
              createdAt stateReason actor { login }
              closer { __typename ... on PullRequest { number } ... on Commit { oid } }
            }
          }
        }
      }
    }
  }`;
  type IssueData = {
    repository: {
      issue: {
        state: string;
        stateReason: string | null;
        assignees: { totalCount: number; nodes: Array<{ login: string }> };
        open: { totalCount: number; nodes: Array<{ number: number; state: string }> };
        all: { totalCount: number; nodes: Array<{ number: number; state: string; merged: boolean }> };
        timelineItems: {
          totalCount: number;
          nodes: Array<{
            __typename: string;
            createdAt: string;
            stateReason: string;
            actor: { login: string } | null;
            closer: { __typename: string; number?: number; oid?: string } | null;
          }>;
        };
      };
    };
  };
  const readIssue = async (number: number) => {
    const res = await graphql<IssueData>(sim, token, issueQuery, {
      owner: 'acme-corp',
      name: 'playground',
      number,
    });
    expect(res.errors).toBeUndefined();
    return (res.data as IssueData).repository.issue;
  };

  it('lists generated assignees in REST (assignee is the first) and GraphQL', async () => {
    const list = await api.get<S['issue'][]>(`${REPO}/issues?state=all&assignee=*&per_page=100`);
    expect(list.status).toBe(200);
    const assigned = list.body.filter((i) => !i.pull_request);
    expect(assigned.length).toBeGreaterThan(0);
    for (const i of assigned) {
      expect(i.assignees?.length).toBeGreaterThan(0);
      expect(i.assignee?.login).toBe(i.assignees?.[0]?.login);
    }
    const one = assigned[0] as S['issue'];
    const single = await api.get<S['issue']>(`${REPO}/issues/${one.number}`);
    expect(single.body.assignees?.map((u) => u.login)).toEqual(one.assignees?.map((u) => u.login));
    const gql = await readIssue(one.number);
    expect(gql.assignees.nodes.map((u) => u.login)).toEqual(one.assignees?.map((u) => u.login));
    const none = await api.get<S['issue'][]>(`${REPO}/issues?state=all&assignee=none&per_page=100`);
    expect(none.body.every((i) => !i.assignees?.length)).toBe(true);
    const who = one.assignees?.[0]?.login as string;
    const mine = await api.get<S['issue'][]>(`${REPO}/issues?state=all&assignee=${who}&per_page=100`);
    expect(mine.body.length).toBeGreaterThan(0);
    expect(mine.body.every((i) => i.assignees?.some((u) => u.login === who))).toBe(true);
    expect((await api.get(`${REPO}/issues?assignee=no-such-user`)).status).toBe(422);
  });

  it('assigns and unassigns through REST, with issues.assigned / issues.unassigned webhooks naming the assignee', async () => {
    const ctl = control(sim);
    const made = await ctl.post<{ number: number }>(`${REPO}/issues`, { title: 'Needs an owner' });
    const n = made.body.number;
    const [a, b] = members.filter((l) => l !== 'octocat') as [string, string];
    const added = await api.post<S['issue']>(`${REPO}/issues/${n}/assignees`, {
      assignees: [a, b, 'no-such-user'],
    });
    expect(added.status).toBe(201);
    expect(added.body.assignees?.map((u) => u.login)).toEqual([a, b]);
    expect(added.body.assignee?.login).toBe(a);
    expect((await api.get(`${REPO}/issues/${n}/assignees/${a}`)).status).toBe(204);
    expect((await api.get(`${REPO}/issues/${n}/assignees/no-such-user`)).status).toBe(404);
    const removed = await api.delete<S['issue']>(`${REPO}/issues/${n}/assignees`, { assignees: [a] });
    expect(removed.status).toBe(200);
    expect(removed.body.assignees?.map((u) => u.login)).toEqual([b]);
    await sim.world.settled();
    const events = issuesEvents(n).map((p) => [p.action, p.assignee?.login, p.issue.assignees?.length]);
    expect(events).toEqual([
      ['opened', undefined, 0],
      ['assigned', a, 2],
      ['assigned', b, 2],
      ['unassigned', a, 1],
    ]);
    expect((await readIssue(n)).assignees.nodes.map((u) => u.login)).toEqual([b]);
    // Bad input is a 4xx, never a 500; a reader's change is dropped silently, as on GitHub.
    expect((await api.post(`${REPO}/issues/${n}/assignees`, { assignees: 'x' })).status).toBe(422);
    expect((await api.post(`${REPO}/issues/99999/assignees`, { assignees: [a] })).status).toBe(404);
    sim.world.addUser({ login: 'issue-reader' });
    const reader = client(sim, sim.issueToken('issue-reader', ['repo']));
    const dropped = await reader.post<S['issue']>(`${REPO}/issues/${n}/assignees`, { assignees: [a] });
    expect([dropped.status, dropped.body.assignees?.map((u) => u.login)]).toEqual([201, [b]]);
  });

  it("pages an issue's timeline with GitHub's counts (itemTypes, skip, first, after)", async () => {
    const ctl = control(sim);
    const [a, b] = members.filter((l) => l !== 'octocat') as [string, string];
    const n = (await ctl.post<{ number: number }>(`${REPO}/issues`, { title: 'Flaky', assignees: [a, b] }))
      .body.number;
    await ctl.delete(`${REPO}/issues/${n}/assignees`, { assignees: [a] });
    await ctl.post(`${REPO}/issues/${n}/close`, {});
    await ctl.post(`${REPO}/issues/${n}/reopen`, {});
    type Page = {
      totalCount: number;
      filteredCount: number;
      pageCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      nodes: Array<{ __typename: string; assignee?: { login: string } }>;
    };
    const page = async (args: string) => {
      const res = await graphql<{ repository: { issue: { timelineItems: Page } } }>(
        sim,
        token,
        `query($n: Int!) { repository(owner: "acme-corp", name: "playground") { issue(number: $n) {
          timelineItems(${args}) { totalCount filteredCount pageCount pageInfo { hasNextPage endCursor }
            nodes { __typename ... on AssignedEvent { assignee { ... on User { login } } }
              ... on UnassignedEvent { assignee { ... on User { login } } } } } } } }`,
        { n },
      );
      expect(res.errors).toBeUndefined();
      return res.data?.repository.issue.timelineItems as Page;
    };
    const first = await page('first: 2, skip: 1');
    expect([first.totalCount, first.filteredCount, first.pageCount]).toEqual([5, 5, 2]);
    expect(first.nodes.map((x) => x.__typename)).toEqual(['AssignedEvent', 'UnassignedEvent']);
    const rest = await page(`first: 10, after: "${first.pageInfo.endCursor}"`);
    expect([rest.filteredCount, rest.pageCount, rest.pageInfo.hasNextPage]).toEqual([2, 2, false]);
    expect(rest.nodes.map((x) => x.__typename)).toEqual(['ClosedEvent', 'ReopenedEvent']);
    const assigned = await page('first: 10, itemTypes: [ASSIGNED_EVENT, UNASSIGNED_EVENT]');
    expect(assigned.nodes.map((x) => [x.__typename, x.assignee?.login])).toEqual([
      ['AssignedEvent', a],
      ['AssignedEvent', b],
      ['UnassignedEvent', a],
    ]);
    const none = await page('first: 10, since: "2999-01-01T00:00:00Z"');
    expect([none.totalCount, none.filteredCount, none.pageCount]).toEqual([5, 0, 0]);
  });

  it('opens an issue with assignees through the control API: opened, then one assigned per assignee', async () => {
    const [a] = members.filter((l) => l !== 'octocat') as [string];
    const made = await control(sim).post<{ number: number }>(`${REPO}/issues`, {
      title: 'Pager went off',
      labels: ['incident'],
      assignees: [a],
    });
    expect(made.status).toBe(201);
    await sim.world.settled();
    expect(issuesEvents(made.body.number).map((p) => [p.action, p.issue.assignees?.[0]?.login])).toEqual([
      ['opened', a],
      ['assigned', a],
    ]);
    const bad = await control(sim).post(`${REPO}/issues`, { title: 'x', assignees: ['no-such-user'] });
    expect(bad.status).toBe(422);
  });

  it('a generated issue closed by a pull request names it in closedByPullRequestsReferences and its ClosedEvent', async () => {
    const repo = sim.world.repo('acme-corp', 'playground');
    const d = sim.world.detail(repo as NonNullable<typeof repo>);
    const issue = d.issues.find((i) =>
      i.timeline?.some((e) => e.type === 'closed' && e.closerPullId !== undefined),
    );
    expect(issue).toBeDefined();
    const closer = d.pulls.find((p) =>
      issue?.timeline?.some((e) => e.type === 'closed' && e.closerPullId === p.id),
    );
    const got = await readIssue(issue?.number as number);
    expect(got.state).toBe('CLOSED');
    expect(got.stateReason).toBe('COMPLETED');
    // Merged pull requests are closed: listed only with includeClosedPrs.
    expect(got.open.totalCount).toBe(0);
    expect(got.all.nodes).toEqual([{ number: closer?.number, state: 'MERGED', merged: true }]);
    expect(got.timelineItems.nodes).toEqual([
      {
        __typename: 'ClosedEvent',
        createdAt: new Date(closer?.mergedAt as number).toISOString().replace('.000Z', 'Z'),
        stateReason: 'COMPLETED',
        actor: { login: sim.world.users.get(closer?.mergedById as number)?.login },
        closer: { __typename: 'PullRequest', number: closer?.number },
      },
    ]);
    const rest = await api.get<S['issue']>(`${REPO}/issues/${issue?.number}`);
    expect([rest.body.state, rest.body.state_reason]).toEqual(['closed', 'completed']);
    expect(rest.body.closed_by?.login).toBe(sim.world.users.get(closer?.mergedById as number)?.login);
    // And the pull request names the issue it closes.
    const pr = await graphql<{
      repository: {
        pullRequest: { closingIssuesReferences: { nodes: Array<{ number: number; state: string }> } };
      };
    }>(
      sim,
      token,
      `
        query ($n: Int!) {
          repository(owner: "acme-corp", name: "playground") {
            pullRequest(number: $n) {
              closingIssuesReferences(first: 5) {
                nodes {
                  number
                  state
                }
              }
            }
          }
        }
      `,
      { n: closer?.number },
    );
    expect(pr.data?.repository.pullRequest.closingIssuesReferences.nodes).toEqual([
      { number: issue?.number, state: 'CLOSED' },
    ]);
  });

  it('merging a pull request that says "Fixes #N" closes the issue; pushing a commit that says so closes another', async () => {
    const ctl = control(sim);
    const first = (await ctl.post<{ number: number }>(`${REPO}/issues`, { title: 'Broken link' })).body
      .number;
    const second = (await ctl.post<{ number: number }>(`${REPO}/issues`, { title: 'Typo' })).body.number;
    await ctl.post(`${REPO}/push`, { branch: 'fix/link', commits: 1 });
    const pr = await ctl.post<{ number: number }>(`${REPO}/pulls`, {
      head: 'fix/link',
      title: 'Fix the link',
      body: `Fixes #${first}`,
    });
    const before = await readIssue(first);
    expect([before.state, before.open.nodes]).toEqual(['OPEN', [{ number: pr.body.number, state: 'OPEN' }]]);
    expect(before.timelineItems.totalCount).toBe(0);
    await ctl.post(`${REPO}/pulls/${pr.body.number}/merge`, {});
    const after = await readIssue(first);
    expect([after.state, after.stateReason, after.open.totalCount]).toEqual(['CLOSED', 'COMPLETED', 0]);
    expect(after.all.nodes).toEqual([{ number: pr.body.number, state: 'MERGED', merged: true }]);
    expect(after.timelineItems.nodes[0]?.closer).toEqual({
      __typename: 'PullRequest',
      number: pr.body.number,
    });
    const push = await ctl.post<{ shas: string[] }>(`${REPO}/push`, {
      commits: [{ message: `Correct the typo\n\nfixes #${second}` }],
    });
    const byCommit = await readIssue(second);
    expect(byCommit.state).toBe('CLOSED');
    expect(byCommit.timelineItems.nodes[0]?.closer).toEqual({ __typename: 'Commit', oid: push.body.shas[0] });
    // A person's close names no closer; the webhook never does.
    await ctl.post(`${REPO}/issues/${second}/reopen`, {});
    await ctl.post(`${REPO}/issues/${second}/close`, { reason: 'not_planned' });
    const timeline = (await readIssue(second)).timelineItems;
    expect(timeline.nodes.map((e) => [e.stateReason, e.closer?.__typename ?? null])).toEqual([
      ['COMPLETED', 'Commit'],
      ['NOT_PLANNED', null],
    ]);
    await sim.world.settled();
    const closed = issuesEvents(first).find((p) => p.action === 'closed');
    expect(closed?.issue.state_reason).toBe('completed');
    expect(Object.keys(closed ?? {})).not.toContain('closer');
  });
});
