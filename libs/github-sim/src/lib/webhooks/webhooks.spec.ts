import webhookDefinitions from '@octokit/webhooks-examples';
import { sign, verify } from '@octokit/webhooks-methods';
import { client, control, webhookReceiver } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';
import { signSha256 } from './webhook-dispatcher';

const SECRET = 'hook-secret-123';
/** Keys GitHub only sends in some contexts (GitHub Apps, enterprise, org-owned repos). */
const CONTEXTUAL = new Set(['installation', 'enterprise', 'organization']);

type Example = Record<string, unknown>;

function examplesFor(event: string, action: string | null): Example[] {
  const def = (webhookDefinitions as unknown as Array<{ name: string; examples: Example[] }>).find(
    (d) => d.name === event,
  );
  if (!def) throw new Error(`no examples for ${event}`);
  const sameAction = def.examples.filter((e) => (action ? e['action'] === action : true));
  return sameAction.length ? sameAction : def.examples;
}

function commonKeys(objs: Array<Record<string, unknown> | undefined>): string[] {
  const present = objs.filter((o): o is Record<string, unknown> => !!o && typeof o === 'object');
  if (!present.length) return [];
  const [first] = present;
  return first ? Object.keys(first).filter((k) => present.every((o) => k in o)) : [];
}

/** Our payload must have every key that all of GitHub's examples of this event/action have, at each level checked. */
function shapeGaps(event: string, action: string | null, payload: Example, nested: string[]): string[] {
  const examples = examplesFor(event, action);
  const gaps: string[] = [];
  for (const k of commonKeys(examples)) if (!CONTEXTUAL.has(k) && !(k in payload)) gaps.push(k);
  for (const n of nested) {
    const want = commonKeys(examples.map((e) => e[n] as Record<string, unknown>));
    const got = payload[n] as Record<string, unknown> | undefined;
    for (const k of want) if (!got || !(k in got)) gaps.push(`${n}.${k}`);
  }
  return gaps;
}

describe('webhooks', () => {
  let sim: GithubSimHandle;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let api: ReturnType<typeof client>;
  let ctl: ReturnType<typeof control>;
  let hookId: number;

  const last = (event: string) => {
    const hits = receiver.received.filter((r) => r.headers['x-github-event'] === event);
    return hits.at(-1);
  };
  const payloadOf = (event: string) => JSON.parse(last(event)?.body ?? 'null') as Example;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small', sizes: { commitsPerRepo: 40 } });
    receiver = await webhookReceiver();
    api = client(sim, sim.issueToken('octocat'));
    ctl = control(sim);
    const res = await api.post<{ id: number; config: Record<string, string> }>(
      '/repos/acme-corp/web-console/hooks',
      {
        name: 'web',
        config: { url: receiver.url, content_type: 'json', secret: SECRET },
        events: ['*'],
      },
    );
    expect(res.status).toBe(201);
    expect(res.body.config['secret']).toBe('********');
    hookId = res.body.id;
    await sim.world.settled();
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });

  it('signs with the GitHub docs test vector', async () => {
    const expected = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(signSha256("It's a Secret to Everybody", 'Hello, World!')).toBe(expected);
    expect(await sign("It's a Secret to Everybody", 'Hello, World!')).toBe(expected);
  });

  it('has a shape check that notices missing keys', () => {
    expect(shapeGaps('push', null, { ref: 'x' }, ['repository'])).toEqual(
      expect.arrayContaining(['after', 'commits', 'repository.full_name']),
    );
  });

  it('pings a new hook with GitHub’s headers and a verifiable signature', async () => {
    const ping = last('ping');
    expect(ping).toBeDefined();
    const h = ping?.headers ?? {};
    expect(h['x-github-delivery']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(h['x-github-hook-id']).toBe(String(hookId));
    expect(h['user-agent']).toMatch(/^GitHub-Hookshot\/[0-9a-f]{7}$/);
    expect(h['content-type']).toBe('application/json');
    expect(await verify(SECRET, ping?.body as string, h['x-hub-signature-256'] as string)).toBe(true);
    expect(await verify('wrong-secret', ping?.body as string, h['x-hub-signature-256'] as string)).toBe(
      false,
    );
    const payload = JSON.parse(ping?.body as string) as Example;
    expect(payload['hook_id']).toBe(hookId);
    expect(shapeGaps('ping', null, payload, ['hook', 'repository', 'sender'])).toEqual([]);
  });

  it('delivers push for pushed commits, shaped like GitHub’s examples', async () => {
    const res = await ctl.post<{ after: string; shas: string[] }>('/repos/acme-corp/web-console/push', {
      commits: [{ message: 'Fix the thing', author: 'octocat' }, { message: 'Second' }],
    });
    expect(res.status).toBe(200);
    const p = payloadOf('push');
    expect(p['after']).toBe(res.body.after);
    expect((p['commits'] as Example[]).map((c) => c['id'])).toEqual(res.body.shas);
    expect((p['head_commit'] as Example)['id']).toBe(res.body.after);
    expect(p['ref']).toBe('refs/heads/main');
    expect((p['repository'] as Example)['created_at']).toEqual(expect.any(Number));
    expect(shapeGaps('push', null, p, ['repository', 'sender', 'pusher'])).toEqual([]);
    const firstCommit = (p['commits'] as Example[])[0]!;
    const commitKeys = commonKeys(
      examplesFor('push', null).flatMap((e) => (e['commits'] as Example[]) ?? []),
    );
    expect(commitKeys.length).toBeGreaterThan(5);
    expect(commitKeys.filter((k) => !(k in firstCommit))).toEqual([]);
    const h = last('push')?.headers ?? {};
    expect(await verify(SECRET, last('push')?.body as string, h['x-hub-signature-256'] as string)).toBe(true);
  });

  it('delivers create/delete (and push) for branch changes', async () => {
    await ctl.post('/repos/acme-corp/web-console/branches', { branch: 'feature/hooks' });
    expect(shapeGaps('create', null, payloadOf('create'), ['repository', 'sender'])).toEqual([]);
    expect(payloadOf('create')['ref']).toBe('feature/hooks');
    await ctl.delete('/repos/acme-corp/web-console/branches/feature/hooks');
    expect(shapeGaps('delete', null, payloadOf('delete'), ['repository', 'sender'])).toEqual([]);
    expect(payloadOf('push')['deleted']).toBe(true);
  });

  it('delivers create, push and delete for tags, shaped like GitHub’s examples', async () => {
    await ctl.post('/repos/acme-corp/web-console/tags', { name: 'v7.0.0', message: 'Seven' });
    expect(shapeGaps('create', null, payloadOf('create'), ['repository', 'sender'])).toEqual([]);
    expect(payloadOf('create')).toMatchObject({ ref: 'v7.0.0', ref_type: 'tag', pusher_type: 'user' });
    const pushed = payloadOf('push');
    expect(shapeGaps('push', null, pushed, ['repository', 'pusher'])).toEqual([]);
    const tagged = sim.world
      .detail(sim.world.requireRepo({ owner: 'acme-corp', repo: 'web-console' }))
      .tags.get('v7.0.0');
    // An annotated tag's push names its tag object; head_commit is the tagged commit.
    expect(pushed).toMatchObject({
      ref: 'refs/tags/v7.0.0',
      before: '0'.repeat(40),
      after: tagged?.annotation?.sha,
      created: true,
      commits: [],
      head_commit: { id: tagged?.sha },
    });
    await ctl.delete('/repos/acme-corp/web-console/tags/v7.0.0');
    expect(shapeGaps('delete', null, payloadOf('delete'), ['repository', 'sender'])).toEqual([]);
    expect(payloadOf('delete')).toMatchObject({ ref: 'v7.0.0', ref_type: 'tag' });
    expect(payloadOf('push')).toMatchObject({
      ref: 'refs/tags/v7.0.0',
      deleted: true,
      after: '0'.repeat(40),
    });
  });

  it('delivers issues assigned, unassigned and closed, shaped like GitHub’s examples', async () => {
    const made = await ctl.post<{ number: number }>('/repos/acme-corp/web-console/issues', {
      title: 'Needs someone',
      assignees: ['octocat'],
    });
    const assigned = payloadOf('issues');
    expect(assigned).toMatchObject({ action: 'assigned', assignee: { login: 'octocat' } });
    expect(shapeGaps('issues', 'assigned', assigned, ['issue', 'assignee', 'repository', 'sender'])).toEqual(
      [],
    );
    await ctl.delete(`/repos/acme-corp/web-console/issues/${made.body.number}/assignees`, {
      assignees: ['octocat'],
    });
    const unassigned = payloadOf('issues');
    expect(unassigned).toMatchObject({ action: 'unassigned', assignee: { login: 'octocat' } });
    expect(
      shapeGaps('issues', 'unassigned', unassigned, ['issue', 'assignee', 'repository', 'sender']),
    ).toEqual([]);
    await ctl.post(`/repos/acme-corp/web-console/issues/${made.body.number}/close`, {});
    expect(shapeGaps('issues', 'closed', payloadOf('issues'), ['issue', 'repository', 'sender'])).toEqual([]);
  });

  it('delivers pull_request opened/synchronize/closed and pull_request_review', async () => {
    await ctl.post('/repos/acme-corp/web-console/push', { branch: 'feature/pr', commits: 2 });
    const opened = await ctl.post<{ number: number }>('/repos/acme-corp/web-console/pulls', {
      head: 'feature/pr',
      title: 'Add hooks',
      author: 'octocat',
    });
    expect(opened.status).toBe(201);
    const p = payloadOf('pull_request');
    expect(p['action']).toBe('opened');
    expect(p['number']).toBe(opened.body.number);
    expect(shapeGaps('pull_request', 'opened', p, ['pull_request', 'repository', 'sender'])).toEqual([]);
    // As in GitHub's examples: head.repo and base.repo carry custom_properties (REST pull requests do not).
    expect(p['pull_request']).toMatchObject({
      head: { repo: { custom_properties: {} } },
      base: { repo: { custom_properties: {} } },
    });

    await ctl.post('/repos/acme-corp/web-console/push', { branch: 'feature/pr', commits: 1 });
    expect(payloadOf('pull_request')['action']).toBe('synchronize');
    expect(shapeGaps('pull_request', 'synchronize', payloadOf('pull_request'), ['pull_request'])).toEqual([]);

    const acme = sim.world.org('acme-corp');
    const reviewerId = [...(acme?.members.keys() ?? [])].find((id) => id !== 583231) as number;
    const login = sim.world.users.get(reviewerId)?.login as string;
    const rv = await ctl.post('/repos/acme-corp/web-console/pulls/' + opened.body.number + '/reviews', {
      reviewer: login,
      state: 'APPROVED',
    });
    expect(rv.status).toBe(201);
    const review = payloadOf('pull_request_review');
    expect((review['review'] as Example)['state']).toBe('approved');
    expect(
      shapeGaps('pull_request_review', 'submitted', review, [
        'review',
        'pull_request',
        'repository',
        'sender',
      ]),
    ).toEqual([]);
    expect(review['pull_request']).toMatchObject({
      head: { repo: { custom_properties: {} } },
      base: { repo: { custom_properties: {} } },
    });

    await ctl.post(`/repos/acme-corp/web-console/pulls/${opened.body.number}/merge`, { method: 'squash' });
    const closed = payloadOf('pull_request');
    expect(closed['action']).toBe('closed');
    expect((closed['pull_request'] as Example)['merged']).toBe(true);
    expect(shapeGaps('pull_request', 'closed', closed, ['pull_request'])).toEqual([]);
  });

  it('delivers workflow_run requested, in_progress and completed, shaped like GitHub’s examples', async () => {
    const made = await ctl.post<{ id: number }>('/repos/acme-corp/web-console/workflow-runs', {});
    const runs = receiver.received
      .filter((r) => r.headers['x-github-event'] === 'workflow_run')
      .map((r) => JSON.parse(r.body) as Example & { workflow_run: Example });
    expect(runs.map((p) => [p['action'], p.workflow_run['id']])).toEqual([
      ['requested', made.body.id],
      ['in_progress', made.body.id],
      ['completed', made.body.id],
    ]);
    for (const p of runs)
      expect(
        shapeGaps('workflow_run', p['action'] as string, p, [
          'workflow',
          'workflow_run',
          'repository',
          'sender',
        ]),
      ).toEqual([]);
  });

  it('delivers star and watch, issues, fork, member and repository events', async () => {
    await ctl.put('/repos/acme-corp/web-console/stars/hubot');
    expect(shapeGaps('star', 'created', payloadOf('star'), ['repository', 'sender'])).toEqual([]);
    expect(shapeGaps('watch', 'started', payloadOf('watch'), ['repository', 'sender'])).toEqual([]);
    await ctl.delete('/repos/acme-corp/web-console/stars/hubot');
    expect(payloadOf('star')).toMatchObject({ action: 'deleted', starred_at: null });

    await ctl.post('/repos/acme-corp/web-console/issues', { title: 'Broken', author: 'octocat' });
    expect(shapeGaps('issues', 'opened', payloadOf('issues'), ['issue', 'repository', 'sender'])).toEqual([]);

    await ctl.post('/repos/acme-corp/web-console/forks', { login: 'hubot' });
    expect(shapeGaps('fork', null, payloadOf('fork'), ['forkee', 'repository', 'sender'])).toEqual([]);
    expect((payloadOf('fork')['forkee'] as Example)['custom_properties']).toEqual({});

    await ctl.put('/repos/acme-corp/web-console/access/hubot', { permission: 'push' });
    expect(shapeGaps('member', 'added', payloadOf('member'), ['member', 'repository', 'sender'])).toEqual([]);

    await ctl.post('/repos/acme-corp/web-console/archive', { archived: true });
    expect(shapeGaps('repository', 'archived', payloadOf('repository'), ['repository', 'sender'])).toEqual(
      [],
    );
    await ctl.post('/repos/acme-corp/web-console/archive', { archived: false });
    await ctl.post('/repos/acme-corp/web-console/rename', { name: 'web-console-2' });
    const renamed = payloadOf('repository');
    expect(renamed).toMatchObject({
      action: 'renamed',
      changes: { repository: { name: { from: 'web-console' } } },
    });
    expect(shapeGaps('repository', 'renamed', renamed, ['repository', 'sender'])).toEqual([]);
    await ctl.post('/repos/acme-corp/web-console-2/rename', { name: 'web-console' });
  });

  it('records deliveries (status, duration) in /hooks/{id}/deliveries and /_sim/deliveries', async () => {
    const list = await api.get<Array<{ event: string; status_code: number; duration: number; guid: string }>>(
      `/repos/acme-corp/web-console/hooks/${hookId}/deliveries?per_page=100`,
    );
    expect(list.body.length).toBeGreaterThan(5);
    expect(list.body.every((d) => d.status_code === 200 && d.duration >= 0)).toBe(true);
    const guids = new Set(receiver.received.map((r) => r.headers['x-github-delivery']));
    expect(list.body.every((d) => guids.has(d.guid))).toBe(true);
    const sim2 = await ctl.get<Array<{ event: string }>>('/deliveries?repo=acme-corp/web-console&event=push');
    expect(sim2.body.length).toBeGreaterThan(0);
    expect(sim2.body.every((d) => d.event === 'push')).toBe(true);
  });

  it('respects the event filter, inactive hooks and form content type', async () => {
    const form = await webhookReceiver();
    try {
      const res = await api.post<{ id: number }>('/repos/octocat/Hello-World/hooks', {
        config: { url: form.url, content_type: 'form', secret: SECRET },
        events: ['issues'],
      });
      await sim.world.settled();
      await ctl.post('/repos/octocat/Hello-World/push', { commits: 1 });
      await ctl.post('/repos/octocat/Hello-World/issues', { title: 'x' });
      const events = form.received.map((r) => r.headers['x-github-event']);
      expect(events).toEqual(['ping', 'issues']);
      const issue = form.received[1]!;
      expect(issue.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(await verify(SECRET, issue.body, issue.headers['x-hub-signature-256'] as string)).toBe(true);
      expect(JSON.parse(new URLSearchParams(issue.body).get('payload') as string)['action']).toBe('opened');
      await api.patch(`/repos/octocat/Hello-World/hooks/${res.body.id}`, { active: false });
      await ctl.post('/repos/octocat/Hello-World/issues', { title: 'y' });
      expect(form.received).toHaveLength(2);
    } finally {
      await form.close();
    }
  });

  it('records a failed delivery when the receiver is down (no retry)', async () => {
    const res = await api.post<{ id: number }>('/repos/octocat/Spoon-Knife/hooks', {
      config: { url: 'http://127.0.0.1:9/closed', content_type: 'json' },
      events: ['push'],
    });
    await sim.world.settled();
    await ctl.post('/repos/octocat/Spoon-Knife/push', { commits: 1 });
    const list = await api.get<Array<{ event: string; status_code: number; status: string }>>(
      `/repos/octocat/Spoon-Knife/hooks/${res.body.id}/deliveries`,
    );
    expect(list.body.map((d) => d.event)).toEqual(['push', 'ping']);
    expect(list.body.every((d) => d.status_code === 0 && d.status.startsWith('failed to connect'))).toBe(
      true,
    );
    const hook = await api.get<{ last_response: { status: string } }>(
      `/repos/octocat/Spoon-Knife/hooks/${res.body.id}`,
    );
    expect(hook.body.last_response.status).toBe('failed');
  });

  it('pages a hook delivery log by cursor (newest first) and redelivers an attempt with the same GUID', async () => {
    const res = await api.post<{ id: number }>('/repos/octocat/Hello-World/hooks', {
      config: { url: `${receiver.url}/paged`, content_type: 'json', secret: SECRET },
      events: ['issues'],
    });
    await sim.world.settled();
    for (let i = 0; i < 4; i++) await ctl.post('/repos/octocat/Hello-World/issues', { title: `paged ${i}` });
    await sim.world.settled();
    type Item = { id: number; guid: string; redelivery: boolean; event: string };
    const path = `/repos/octocat/Hello-World/hooks/${res.body.id}/deliveries`;
    const seen: Item[] = [];
    let url: string | null = `${path}?per_page=2`;
    while (url) {
      const page: Awaited<ReturnType<typeof api.get<Item[]>>> = await api.get<Item[]>(url);
      expect(page.body.length).toBeLessThanOrEqual(2);
      seen.push(...page.body);
      const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
      expect(next ?? '').not.toMatch(/[?&]page=/);
      url = next ? next.slice(next.indexOf('/repos/')) : null;
    }
    expect(seen.map((d) => d.event)).toEqual(['issues', 'issues', 'issues', 'issues', 'ping']);
    expect(seen.map((d) => d.id)).toEqual([...seen.map((d) => d.id)].sort((a, b) => b - a));
    expect((await api.get(`${path}?cursor=nonsense`)).status).toBe(400);

    const original = seen[1]!;
    expect((await api.post(`${path}/${original.id}/attempts`, {})).status).toBe(202);
    await sim.world.settled();
    const [again] = (await api.get<Item[]>(`${path}?per_page=1`)).body;
    expect(again).toMatchObject({ guid: original.guid, redelivery: true, event: 'issues' });
    expect(again!.id).toBeGreaterThan(seen[0]!.id);
    const received = receiver.received.filter((r) => r.headers['x-github-delivery'] === original.guid);
    expect(received).toHaveLength(2);
    expect(received[1]!.body).toBe(received[0]!.body);

    // Past GitHub's 3-day redelivery window: 422, and nothing is sent.
    const record = sim.world.deliveries.find((d) => d.id === original.id)!;
    record.deliveredAt = Date.now() - 3 * 24 * 3600_000 - 60_000;
    const refused = await api.post<{ message: string }>(`${path}/${original.id}/attempts`, {});
    expect(refused.status).toBe(422);
    expect(refused.body.message).toBe('Validation Failed');
    await sim.world.settled();
    expect(receiver.received.filter((r) => r.headers['x-github-delivery'] === original.guid)).toHaveLength(2);
  });

  it('pings a new hook exactly once, and its hooks list answers 304 to its ETag until a hook is deleted on GitHub', async () => {
    const res = await api.post<{ id: number }>('/repos/octocat/Hello-World/hooks', {
      config: { url: `${receiver.url}/once`, content_type: 'json' },
      events: ['push'],
    });
    await sim.world.settled();
    expect(sim.world.deliveries.filter((d) => d.hookId === res.body.id).map((d) => d.event)).toEqual([
      'ping',
    ]);

    const first = await api.get<Array<{ id: number }>>('/repos/octocat/Hello-World/hooks');
    const etag = first.headers.get('etag') as string;
    const unchanged = await api.get('/repos/octocat/Hello-World/hooks', { 'if-none-match': etag });
    expect(unchanged.status).toBe(304);
    expect((await api.delete(`/repos/octocat/Hello-World/hooks/${res.body.id}`)).status).toBe(204);
    const changed = await api.get<Array<{ id: number }>>('/repos/octocat/Hello-World/hooks', {
      'if-none-match': etag,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.map((h) => h.id)).not.toContain(res.body.id);
  });
});
