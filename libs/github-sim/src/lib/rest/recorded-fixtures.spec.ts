import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { client, control, type Reply, shapeDiff } from '../../spec/helpers';
import { startGithubSim } from '../server';
import type { GithubSimHandle } from '../sim.types';

/** One request and GitHub's answer, as @octokit/fixtures recorded them from api.github.com (values normalized). */
interface Recorded {
  method: string;
  path: string;
  status: number;
  response: unknown;
  headers: Record<string, string | number>;
}

const SCENARIOS = join(
  dirname(require.resolve('@octokit/fixtures/package.json')),
  'scenarios/api.github.com',
);

function recorded(scenario: string): Recorded[] {
  return JSON.parse(readFileSync(join(SCENARIOS, scenario, 'normalized-fixture.json'), 'utf8')) as Recorded[];
}

/**
 * How each header a client acts on must look, where the recording has it. The recordings normalize values
 * (dates, ids, counts), so most are compared by form; the rest must be the same text.
 */
const HEADER_FORMS: Record<string, RegExp | 'same'> = {
  'content-type': 'same',
  'cache-control': 'same',
  'x-github-media-type': 'same',
  'access-control-allow-origin': 'same',
  'access-control-expose-headers': 'same',
  'x-content-type-options': 'same',
  'x-ratelimit-resource': 'same',
  'x-ratelimit-limit': /^\d+$/,
  'x-ratelimit-remaining': /^\d+$/,
  'x-ratelimit-reset': /^\d+$/,
  'x-ratelimit-used': /^\d+$/,
  'x-github-request-id': /^[0-9A-F]+(:[0-9A-F]+){4}$/,
  'x-oauth-scopes': /^([a-z_:]+(, [a-z_:]+)*)?$/,
  'x-accepted-oauth-scopes': /^([a-z_:]+(, [a-z_:]+)*)?$/,
  etag: /^(W\/)?"[0-9a-f]+"$/,
  'last-modified': /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/,
  location: /^https?:\/\/\S+$/,
};

/** The headers of `actual` that are missing or out of form, against the recorded answer's. */
function headerDiff(want: Recorded['headers'], actual: Headers, except: string[] = []): string[] {
  const out: string[] = [];
  for (const [name, form] of Object.entries(HEADER_FORMS)) {
    if (want[name] === undefined || except.includes(name)) continue;
    const got = actual.get(name);
    if (got === null) out.push(`${name}: missing (GitHub sent ${String(want[name])})`);
    else if (form === 'same' ? got !== String(want[name]) : !form.test(got))
      out.push(`${name}: ${got} (GitHub sent ${String(want[name])})`);
  }
  return out;
}

/** The same status, the headers clients act on (but `except`), and every recorded field with the same type. */
function expectAsRecorded(want: Recorded | undefined, res: Reply, except: string[] = []): void {
  expect(res.status).toBe(want?.status);
  expect(headerDiff(want!.headers, res.headers, except)).toEqual([]);
  expect(shapeDiff(want!.response, res.body)).toEqual([]);
}

/** The rel names of a Link header, in order, and the path and query of each link. */
function links(header: string | null): Array<[string, string]> {
  return (header ?? '')
    .split(', ')
    .filter(Boolean)
    .map((part) => {
      const [, url = '', rel = ''] = /^<([^>]+)>; rel="([a-z]+)"$/.exec(part) ?? [];
      const u = new URL(url);
      return [rel, `${u.pathname}${u.search}`];
    });
}

/**
 * The simulator against answers recorded from api.github.com: for the requests both serve, the same status, the
 * headers clients act on, and every field of the recorded body with the same JSON type. The OpenAPI checks
 * (openapi-contract.spec) hold the simulator to what GitHub documents; these hold it to what GitHub sent.
 */
describe('REST answers against @octokit/fixtures', () => {
  let sim: GithubSimHandle;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    sim = await startGithubSim({ preset: 'small' });
    api = client(
      sim,
      sim.issueToken('octocat', ['repo', 'read:org', 'admin:org', 'user', 'admin:repo_hook', 'workflow']),
    );
  });
  afterAll(() => sim.stop());

  it('the checks can fail: a missing field, a field of another type, a missing or malformed header', () => {
    expect(shapeDiff({ a: { b: 1, c: [{ d: 'x' }] } }, { a: { b: '1', c: [{}] } })).toEqual([
      '$.a.b: number expected, got string',
      '$.a.c[0].d: missing',
    ]);
    expect(shapeDiff({ a: null, b: 'x' }, { a: 3, b: null })).toEqual([]);
    const want = { etag: '"00"', 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-used': 1 };
    expect(headerDiff(want, new Headers({ etag: 'abc', 'content-type': 'application/json' }))).toEqual([
      'content-type: application/json (GitHub sent application/json; charset=utf-8)',
      'x-ratelimit-used: missing (GitHub sent 1)',
      'etag: abc (GitHub sent "00")',
    ]);
  });

  it('a repository (get-repository)', async () => {
    const [want] = recorded('get-repository');
    // An organization's repository, as the recording's was, read by one of its admins.
    const res = await api.get('/repos/acme-corp/web-console');
    expectAsRecorded(want, res);
  });

  it('pages of issues, with their Link headers (paginate-issues)', async () => {
    const pages = recorded('paginate-issues');
    const repo = sim.world.repo('acme-corp', 'web-console') as NonNullable<ReturnType<typeof sim.world.repo>>;
    // As many open issues as the recording's repository had (13: five pages of three).
    const open = async () =>
      (await api.get<unknown[]>('/repos/acme-corp/web-console/issues?per_page=100')).body.length;
    for (let n = await open(); n < 13; n++)
      await control(sim).post('/repos/acme-corp/web-console/issues', { title: `Recorded ${n}` });
    expect(await open()).toBe(13);
    // Issue lists link to the repository's stable address, as the recording shows.
    sim.setFaults({ linkStyle: 'repositories' });
    try {
      const got: Reply[] = [];
      let next: string | undefined = '/repos/acme-corp/web-console/issues?per_page=3';
      while (next && got.length < 100) {
        const res: Reply = await api.get(next);
        got.push(res);
        next = links(res.headers.get('link')).find(([rel]) => rel === 'next')?.[1];
      }
      expect(got.length).toBe(pages.length);
      got.forEach((res, k) => {
        // The recording's first, a middle and its last page stand for the simulator's.
        const want = (k === 0 ? pages[0] : k === got.length - 1 ? pages.at(-1) : pages[1]) as Recorded;
        const page = (rel: string) =>
          ({ prev: k, next: k + 2, last: got.length, first: 1 })[rel as 'prev' | 'next' | 'last' | 'first'];
        const expected = links(String(want.headers['link'])).map(([rel, url]) => [
          rel,
          url
            .replace(/^\/repositories\/\d+\//, `/repositories/${repo.id}/`)
            .replace(/page=\d+$/, `page=${page(rel)}`),
        ]);
        expect([k, res.status, links(res.headers.get('link'))]).toEqual([k, want.status, expected]);
        expectAsRecorded(want, res);
      });
    } finally {
      sim.setFaults({ linkStyle: 'repos' });
    }
  });

  it('a renamed repository: 301 for a read, 307 for a write, and its stable address (rename-repository)', async () => {
    const [, moved, byId, movedWrite] = recorded('rename-repository') as Recorded[];
    // An organization's repository, as the recording's was.
    await control(sim).post('/repos/acme-corp/playground/rename', { name: 'playground-renamed' });
    const get = await api.get('/repos/acme-corp/playground');
    expectAsRecorded(moved, get);
    // The same fields; the documentation address is the one GitHub gives now (the recording's is older).
    const redirectBody = (url: string | null) => ({
      ...(moved!.response as object),
      url,
      documentation_url: expect.stringMatching(/^https:\/\/docs\.github\.com\/.*redirects$/),
    });
    expect(get.body).toEqual(redirectBody(get.headers.get('location')));

    const stable = await api.get(get.headers.get('location') as string);
    expectAsRecorded(byId, stable);
    expect((stable.body as { full_name: string }).full_name).toBe('acme-corp/playground-renamed');

    // The recording's write is the rename's PATCH, which the simulator does not serve; any write is redirected alike.
    const write = await api.post('/repos/acme-corp/playground/hooks', {
      config: { url: 'http://127.0.0.1:9/x' },
    });
    expect(write.status).toBe(movedWrite?.status);
    expect(headerDiff(movedWrite!.headers, write.headers)).toEqual([]);
    expect(write.body).toEqual(redirectBody(write.headers.get('location')));
  });

  it('git references listed, created and deleted (git-refs)', async () => {
    const [list, created, , , deleted] = recorded('git-refs') as Recorded[];
    const repo = '/repos/acme-corp/web-console';
    const listed = await api.get(`${repo}/git/refs/`);
    // No Last-Modified on a list of references: the simulator keeps no time of ref changes, and a wrong one
    // would answer If-Modified-Since with a stale 304.
    expectAsRecorded(list, listed, ['last-modified']);
    const sha = (listed.body as Array<{ object: { sha: string } }>)[0]?.object.sha;
    const made = await api.post(`${repo}/git/refs`, { ref: 'refs/heads/recorded-test', sha });
    expectAsRecorded(created, made);
    expect(made.headers.get('location')).toBe((made.body as { url: string }).url);
    const gone = await api.delete(`${repo}/git/refs/heads/recorded-test`);
    expect([gone.status, gone.text]).toEqual([deleted?.status, deleted?.response]);
  });

  it('a body GitHub refuses: 422 Validation Failed with the field at fault (errors)', async () => {
    const [want] = recorded('errors');
    // The recording's refusal is a label's colour; a hook's content type is refused the same way.
    const res = await api.post('/repos/octocat/Hello-World/hooks', {
      config: { url: 'http://127.0.0.1:9/x', content_type: 'xml' },
    });
    expectAsRecorded(want, res);
    expect(res.body).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Hook', code: 'invalid', field: 'content_type' }],
    });
  });

  it('an organization (get-organization)', async () => {
    const [want] = recorded('get-organization');
    const res = await api.get('/orgs/acme-corp');
    expectAsRecorded(want, res);
  });
});
