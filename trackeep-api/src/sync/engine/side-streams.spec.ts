import { sidePageSizes } from './side-streams';

const all = { deployments: true, issues: true, releases: true, tags: true };
/** GitHub's requests for the query: the connections, a deployment's statuses, an issue's three connections. */
const requests = (s: { deployments: number; issues: number }) => 4 + s.deployments + 3 * s.issues;

describe('sidePageSizes', () => {
  it('splits one point (149 requests) between deployments and issues before their counts are known', () => {
    const s = sidePageSizes(all, { deployments: Infinity, issues: Infinity });
    expect(s).toEqual({ deployments: 37, issues: 36 });
    expect(requests(s)).toBeLessThanOrEqual(149);
  });

  it('gives a stream alone GitHub’s largest page that one point allows', () => {
    const open = { deployments: true, issues: false, releases: true, tags: false };
    expect(sidePageSizes(open, { deployments: Infinity, issues: Infinity }).deployments).toBe(100);
    const issues = { deployments: false, issues: true, releases: false, tags: false };
    expect(sidePageSizes(issues, { deployments: Infinity, issues: Infinity }).issues).toBe(49);
  });

  it('reads what is left of both in one query when it fits, else gives the one that fits all it needs', () => {
    expect(sidePageSizes(all, { deployments: 5, issues: 20 })).toEqual({ deployments: 5, issues: 20 });
    const fewDeployments = sidePageSizes(all, { deployments: 5, issues: Infinity });
    expect(fewDeployments).toEqual({ deployments: 5, issues: 46 });
    expect(requests(fewDeployments)).toBeLessThanOrEqual(149);
    const fewIssues = sidePageSizes(all, { deployments: Infinity, issues: 3 });
    expect(fewIssues).toEqual({ deployments: 100, issues: 3 });
    expect(requests(fewIssues)).toBeLessThanOrEqual(149);
  });
});
