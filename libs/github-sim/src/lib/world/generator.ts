import { must } from '../must';
import type { SimSizes } from '../sim.types';
import { CommitGraph, type GraphLine } from './commit-graph';
import { tagObjectSha } from './git-objects';
import {
  FIRST_NAMES,
  INCIDENT_LABEL,
  INCIDENT_TITLES,
  ISSUE_TITLES,
  LABELS,
  LANGUAGES,
  LAST_NAMES,
  ORG_NAMES,
  PR_TITLES,
  REPO_NAMES,
  REVIEW_BODIES,
  TEAM_NAMES,
  TOPICS,
} from './names.constant';
import { hash32, Rng } from './random.util';
import type {
  SimDeployment,
  SimRelease,
  SimDeploymentState,
  SimCommitAuthor,
  SimIssue,
  SimIssueEvent,
  SimOrg,
  SimPull,
  SimRepo,
  SimRepoDetail,
  SimRepoEvent,
  SimReview,
  SimStar,
  SimTag,
  SimTeam,
  SimUser,
  SimWorkflow,
  SimWorkflowRun,
  SimWorkflowRunConclusion,
} from './world.types';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The mutable collections the generator fills (implemented by WorldStore). */
export interface GeneratorTarget {
  readonly seed: number;
  readonly sizes: SimSizes;
  readonly anchorMs: number;
  readonly users: Map<number, SimUser>;
  readonly orgs: Map<number, SimOrg>;
  readonly repos: Map<number, SimRepo>;
  readonly graphs: Map<number, CommitGraph>;
  nextId(kind: IdKind): number;
  indexUser(user: SimUser): void;
  indexOrg(org: SimOrg): void;
  indexRepo(repo: SimRepo): void;
  ownerLogin(repo: SimRepo): string;
}

export type IdKind =
  | 'user'
  | 'org'
  | 'repo'
  | 'team'
  | 'pull'
  | 'issue'
  | 'review'
  | 'label'
  | 'hook'
  | 'delivery'
  | 'event'
  | 'app'
  | 'installation'
  | 'deployment'
  | 'deploymentStatus'
  | 'release'
  | 'workflow'
  | 'workflowRun';

/**
 * Ids: realistic magnitudes below 2^31 (GraphQL `databaseId` is a 32-bit Int). octocat keeps GitHub's real id.
 * Runtime objects take the next id of their kind; lazily generated repo details use a fixed block per repo,
 * so ids never depend on which repo was looked at first.
 */
export const ID_BASES: Record<IdKind, number> = {
  user: 1_000_001,
  org: 9_000_001,
  repo: 300_000_001,
  team: 4_000_001,
  hook: 500_000_001,
  label: 650_000_001,
  pull: 1_500_000_001,
  issue: 1_700_000_001,
  review: 2_050_000_001,
  delivery: 90_000_000_001,
  event: 50_000_000_001,
  app: 1_100_001,
  installation: 60_000_001,
  deployment: 2_070_000_001,
  deploymentStatus: 2_100_000_001,
  release: 2_110_000_001,
  workflow: 2_130_000_001,
  // Workflow run ids passed 2^32 on GitHub long ago: clients must keep them as 64-bit integers.
  workflowRun: 13_000_000_001,
};

const BLOCKS = {
  label: { base: 600_000_000, stride: 100 },
  pull: { base: 1_000_000_000, stride: 1000 },
  issue: { base: 1_600_000_000, stride: 1000 },
  review: { base: 1_800_000_000, stride: 10_000 },
  deployment: { base: 2_060_000_000, stride: 100 },
  deploymentStatus: { base: 2_080_000_000, stride: 500 },
  release: { base: 2_095_000_000, stride: 100 },
  workflow: { base: 2_120_000_000, stride: 10 },
  workflowRun: { base: 12_000_000_000, stride: 5000 },
  incident: { base: 1_650_000_000, stride: 100 },
  event: { base: 30_000_000_000, stride: 1000 },
} as const;

export const MAX_GENERATED_REPOS = 20_000;

function blockId(kind: keyof typeof BLOCKS, repo: SimRepo, k: number): number {
  const ordinal = repo.id - ID_BASES.repo;
  return BLOCKS[kind].base + ordinal * BLOCKS[kind].stride + k;
}

export const WELL_KNOWN_USERS: Array<Omit<SimUser, 'createdAt'> & { createdAt: string }> = [
  {
    id: 583231,
    login: 'octocat',
    name: 'The Octocat',
    email: 'octocat@github.com',
    company: '@github',
    location: 'San Francisco',
    bio: null,
    createdAt: '2011-01-25T18:44:36Z',
    siteAdmin: false,
  },
  {
    id: 2,
    login: 'monalisa',
    name: 'Mona Lisa Octocat',
    email: 'monalisa@github.com',
    company: 'GitHub',
    location: 'Paris',
    bio: 'There once was...',
    createdAt: '2008-01-14T04:33:35Z',
    siteAdmin: false,
  },
  {
    id: 7,
    login: 'hubot',
    name: 'Hubot',
    email: 'hubot@github.com',
    company: 'GitHub',
    location: null,
    bio: "I'm a robot.",
    createdAt: '2009-04-01T12:00:00Z',
    siteAdmin: false,
  },
];

/** Fills users, orgs with teams, repos and their (virtual) commit graphs. Details come later, lazily. */
export function populateWorld(w: GeneratorTarget): void {
  const rng = new Rng(hash32(w.seed, 1));
  const { sizes, anchorMs } = w;

  for (const u of WELL_KNOWN_USERS) w.indexUser({ ...u, createdAt: Date.parse(u.createdAt) });
  const usedLogins = new Set(WELL_KNOWN_USERS.map((u) => u.login));
  for (let k = 0; k < sizes.users; k++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    let login = `${first}-${last}`.toLowerCase().replace(/[^a-z0-9-]/g, '');
    for (let n = 2; usedLogins.has(login); n++)
      login = `${first}-${last}${n}`.toLowerCase().replace(/[^a-z0-9-]/g, '');
    usedLogins.add(login);
    w.indexUser({
      id: w.nextId('user'),
      login,
      name: `${first} ${last}`,
      email: `${login}@users.example.com`,
      company: rng.chance(0.4) ? rng.pick(ORG_NAMES).name : null,
      location: rng.chance(0.5)
        ? rng.pick(['Berlin', 'Lagos', 'Tokyo', 'Lisbon', 'Toronto', 'Pune', 'Austin'])
        : null,
      bio: null,
      createdAt: anchorMs - rng.int(400, 4000) * DAY,
      siteAdmin: false,
    });
  }
  const allUsers = [...w.users.values()];
  const octocat = must(allUsers[0], 'octocat (the first well-known user)');
  const others = allUsers.slice(1);

  for (let k = 0; k < sizes.orgs; k++) {
    const base = must(ORG_NAMES[k % ORG_NAMES.length], 'an org name');
    const suffix = k >= ORG_NAMES.length ? `-${Math.floor(k / ORG_NAMES.length) + 1}` : '';
    const org: SimOrg = {
      id: w.nextId('org'),
      login: base.login + suffix,
      name: base.name + (suffix ? ` ${suffix.slice(1)}` : ''),
      description: base.description,
      createdAt: anchorMs - rng.int(800, 3000) * DAY,
      members: new Map([[octocat.id, k === 0 ? 'admin' : 'member']]),
      publicMembers: new Set(k === 0 ? [octocat.id] : []),
      teams: [],
      defaultRepoPermission: 'pull',
    };
    for (const u of others) {
      if (rng.chance(0.6)) {
        org.members.set(u.id, rng.chance(0.1) ? 'admin' : 'member');
        if (rng.chance(0.5)) org.publicMembers.add(u.id);
      }
    }
    const memberIds = [...org.members.keys()];
    for (let t = 0; t < sizes.teamsPerOrg; t++) {
      const name =
        TEAM_NAMES[t % TEAM_NAMES.length] +
        (t >= TEAM_NAMES.length ? ` ${Math.floor(t / TEAM_NAMES.length) + 1}` : '');
      const team: SimTeam = {
        id: w.nextId('team'),
        orgId: org.id,
        slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
        name,
        description: `The ${name} team`,
        privacy: t === sizes.teamsPerOrg - 1 && t > 0 ? 'secret' : 'closed',
        parentId: null,
        members: new Map(),
        repos: new Map(),
      };
      // octocat is in the first team of every org (maintainer in the first org) — tests rely on it.
      if (t === 0) team.members.set(octocat.id, k === 0 ? 'maintainer' : 'member');
      for (const id of memberIds)
        if (id !== octocat.id && rng.chance(0.4))
          team.members.set(id, rng.chance(0.2) ? 'maintainer' : 'member');
      org.teams.push(team);
    }
    w.indexOrg(org);
  }
  for (const org of w.orgs.values()) addNestedTeams(w, org, sizes.subteamsPerTeam ?? 0);

  const owners: Array<{ type: 'User' | 'Organization'; id: number; count: number; members: number[] }> = [];
  owners.push({ type: 'User', id: octocat.id, count: sizes.reposPerOwner, members: [octocat.id] });
  for (const org of w.orgs.values())
    owners.push({
      type: 'Organization',
      id: org.id,
      count: sizes.reposPerOwner,
      members: [...org.members.keys()],
    });
  if (sizes.reposPerUser > 0)
    for (const u of others)
      owners.push({ type: 'User', id: u.id, count: sizes.reposPerUser, members: [u.id] });

  for (const owner of owners) {
    const names = owner.type === 'User' && owner.id === octocat.id ? REPO_NAMES : REPO_NAMES.slice(2);
    const offset = owner.id === octocat.id ? 0 : rng.int(0, names.length - 1);
    for (let r = 0; r < owner.count; r++) {
      const baseName = must(names[(offset + r) % names.length], 'a repo name');
      const round = Math.floor(r / names.length);
      createGeneratedRepo(w, rng, owner, round ? `${baseName}-${round + 1}` : baseName, r);
    }
  }
}

const SUBTEAM_NAMES = ['API', 'Web', 'Reliability', 'Tooling', 'Reviewers', 'Release', 'Growth', 'Search'];

/**
 * Child teams under each visible top-level team (secret teams cannot be nested). Most of a child's members come
 * from its parent's, and some people sit in two sibling teams, as in real organizations.
 */
function addNestedTeams(w: GeneratorTarget, org: SimOrg, perTeam: number): void {
  const memberIds = [...org.members.keys()];
  for (const parent of org.teams.filter((t) => t.parentId === null && t.privacy === 'closed')) {
    const rng = new Rng(hash32(w.seed, org.id, parent.id));
    const parentMembers = [...parent.members.keys()];
    for (let c = 0; c < perTeam; c++) {
      const suffix = SUBTEAM_NAMES[c % SUBTEAM_NAMES.length] as string;
      const name = `${parent.name} ${suffix}${c >= SUBTEAM_NAMES.length ? ` ${Math.floor(c / SUBTEAM_NAMES.length) + 1}` : ''}`;
      const team: SimTeam = {
        id: w.nextId('team'),
        orgId: org.id,
        slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
        name,
        description: `The ${name} team`,
        privacy: 'closed',
        parentId: parent.id,
        members: new Map(),
        repos: new Map(),
      };
      for (const id of parentMembers)
        if (rng.chance(0.5)) team.members.set(id, rng.chance(0.2) ? 'maintainer' : 'member');
      for (const id of memberIds)
        if (!team.members.has(id) && rng.chance(0.05)) team.members.set(id, 'member');
      org.teams.push(team);
    }
  }
}

function createGeneratedRepo(
  w: GeneratorTarget,
  rng: Rng,
  owner: { type: 'User' | 'Organization'; id: number; members: number[] },
  name: string,
  ordinal: number,
): void {
  const { sizes, anchorMs } = w;
  const id = w.nextId('repo');
  const lang = must(LANGUAGES[hash32(w.seed, id) % LANGUAGES.length], 'a language');
  const createdAt = anchorMs - sizes.historyDays * DAY - rng.int(1, 30) * DAY;
  // Hello-World stays public (it is the well-known example); about a quarter of the others are private.
  const isPrivate = ordinal > 0 && rng.chance(0.25);
  const repo: SimRepo = {
    id,
    ownerId: owner.id,
    ownerType: owner.type,
    name,
    description: `${name.replace(/-/g, ' ')}: ${rng.pick(['service', 'library', 'tooling', 'app', 'experiments'])} written in ${lang.name}`,
    homepage: rng.chance(0.3) ? `https://${name.toLowerCase()}.example.com` : null,
    private: isPrivate,
    visibility: isPrivate ? 'private' : 'public',
    fork: false,
    parentId: null,
    archived: ordinal > 2 && rng.chance(0.05),
    disabled: false,
    deleted: false,
    defaultBranch: rng.chance(0.85) ? 'main' : 'master',
    createdAt,
    updatedAt: anchorMs - rng.int(0, 72) * HOUR,
    pushedAt: anchorMs - rng.int(0, 48) * HOUR,
    language: lang.name,
    languages: {},
    topics: [],
    license: rng.chance(0.6) ? { key: 'mit', name: 'MIT License', spdx_id: 'MIT' } : null,
    forksCount: Math.floor(sizes.forksPerRepo * rng.next() * 2),
    watcherIds: new Set(),
    collaborators: new Map(),
    revoked: new Set(),
    hooks: [],
    graphKey: id,
  };
  let bytes = rng.int(20_000, 2_000_000);
  repo.languages[lang.name] = bytes;
  for (const companion of lang.companions) {
    if (rng.chance(0.6)) {
      bytes = Math.floor(bytes * rng.next() * 0.4) + 100;
      repo.languages[companion] = bytes;
    }
  }
  const topicCount = rng.int(0, 4);
  for (let t = 0; t < topicCount; t++) {
    const topic = rng.pick(TOPICS);
    if (!repo.topics.includes(topic)) repo.topics.push(topic);
  }
  // Collaborators on user repos, so "collaborator" affiliation has something to show.
  if (owner.type === 'User') {
    for (const u of w.users.values())
      if (u.id !== owner.id && rng.chance(0.15))
        repo.collaborators.set(u.id, rng.pick(['push', 'pull', 'triage', 'admin'] as const));
  } else {
    const org = w.orgs.get(owner.id) as SimOrg;
    for (const team of org.teams) {
      // Nested teams draw from their own stream, so adding them leaves the rest of the world as it was.
      const pick = team.parentId === null ? rng : new Rng(hash32(w.seed, repo.id, team.id));
      if (pick.chance(team.parentId === null ? 0.6 : 0.3))
        team.repos.set(repo.id, pick.pick(['push', 'push', 'maintain', 'triage', 'admin'] as const));
    }
  }
  for (const uid of owner.members) if (rng.chance(0.5)) repo.watcherIds.add(uid);
  repo.watcherIds.add(owner.type === 'User' ? owner.id : must(owner.members[0], "an org's first member"));

  const contributors = owner.members.map((uid) => w.users.get(uid)).filter((u): u is SimUser => !!u);
  const authors: SimCommitAuthor[] = contributors
    .slice(0, 8)
    .map((u) => ({ name: u.name, email: u.email, userId: u.id }));
  if (owner.type === 'User') {
    for (const uid of repo.collaborators.keys()) {
      const u = w.users.get(uid) as SimUser;
      authors.push({ name: u.name, email: u.email, userId: u.id });
    }
  }
  authors.push({ name: 'Build Bot', email: 'ci-bot@builds.example.com', userId: null });

  const commits = sizes.commitsPerRepo;
  const lines: GraphLine[] = [{ base: 0, count: commits }];
  const openPulls = openPullCount(sizes);
  const branchLines = Math.max(sizes.branchesPerRepo - 1, openPulls);
  for (let b = 0; b < branchLines; b++) {
    const recent = Math.max(1, Math.floor(commits * 0.1));
    lines.push({ base: Math.max(0, commits - 1 - rng.int(0, recent)), count: rng.int(1, 5) });
  }
  // Closed pull requests' own commits, each on a line placed when the pull request is generated.
  const closedPulls = sizes.pullsPerRepo - Math.min(openPulls, sizes.pullsPerRepo);
  const pullLines = Math.max(0, Math.min(closedPulls, CommitGraph.MAX_LINES - lines.length));
  for (let k = 0; k < pullLines; k++) lines.push({ base: 0, count: 1 });
  const graph = new CommitGraph({
    key: hash32(w.seed, id, 3),
    lines,
    pullLines,
    startMs: createdAt + HOUR,
    endMs: anchorMs - 10 * 60_000,
    authors,
    committer: { name: 'GitHub', email: 'noreply@github.com', userId: null },
    dirs: lang.dirs,
    ext: lang.ext,
  });
  w.graphs.set(repo.graphKey, graph);
  w.indexRepo(repo);
}

export function openPullCount(sizes: SimSizes): number {
  return sizes.pullsPerRepo === 0 ? 0 : Math.max(1, Math.round(sizes.pullsPerRepo * 0.15));
}

const BRANCH_PREFIXES = ['feature', 'fix', 'chore', 'docs', 'refactor'];

const REVIEW_STATES = ['APPROVED', 'COMMENTED', 'CHANGES_REQUESTED', 'COMMENTED'] as const;
const BEFORE_APPROVAL = ['COMMENTED', 'CHANGES_REQUESTED', 'COMMENTED', 'CHANGES_REQUESTED'] as const;

/** Branches, pull requests, reviews, issues, labels, stars and the events feed of one repo, on first use. */
export function generateRepoDetail(w: GeneratorTarget, repo: SimRepo): SimRepoDetail {
  const rng = new Rng(hash32(w.seed, repo.id, 5));
  const graph = w.graphs.get(repo.graphKey) as CommitGraph;
  const { sizes, anchorMs } = w;
  const owner = w.ownerLogin(repo);
  const people = peopleOf(w, repo);
  const detail: SimRepoDetail = {
    branches: new Map(),
    pulls: [],
    issues: [],
    deployments: [],
    releases: [],
    tags: new Map(),
    workflows: [],
    workflowRuns: [],
    labels: [],
    stars: [],
    events: [],
    nextNumber: 1,
  };

  detail.branches.set(repo.defaultBranch, {
    name: repo.defaultBranch,
    tip: graph.lineTip(0),
    protected: repo.ownerType === 'Organization' || !repo.private,
  });
  const lineNames: string[] = [];
  const firstPullLine = graph.spec.lines.length - (graph.spec.pullLines ?? 0);
  for (let line = 1; line < firstPullLine; line++) {
    const name = `${rng.pick(BRANCH_PREFIXES)}/${rng
      .pick(PR_TITLES)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 30)
      .replace(/-$/, '')}-${line}`;
    lineNames.push(name);
    detail.branches.set(name, { name, tip: graph.lineTip(line), protected: false });
  }
  if (firstPullLine > 1 && rng.chance(0.5)) {
    // A release branch pointing into the past of the default branch.
    const idx = Math.floor(graph.line(0).count * 0.7);
    detail.branches.set('release/1.0', {
      name: 'release/1.0',
      tip: graph.virtualSha(0, idx),
      protected: true,
    });
  }

  LABELS.forEach((l, k) =>
    detail.labels.push({
      id: blockId('label', repo, k),
      name: l.name,
      color: l.color,
      description: l.description,
      default: true,
    }),
  );

  type Numbered = { createdAt: number; assign: (n: number) => void };
  const numbered: Numbered[] = [];
  const mainCount = graph.line(0).count;
  const openPulls = Math.min(openPullCount(sizes), sizes.pullsPerRepo);
  const usedMergeIdx = new Set<number>();
  for (let k = 0; k < sizes.pullsPerRepo; k++) {
    const authorId = rng.pick(people);
    const title = rng.pick(PR_TITLES);
    const isOpen = k < openPulls;
    const merged = !isOpen && rng.chance(0.78);
    let createdAt: number;
    let headRef: string;
    let headSha: string;
    let baseSha = graph.lineTip(0);
    let mergedAt: number | null = null;
    let closedAt: number | null = null;
    let mergeCommitSha: string | null = null;
    if (isOpen) {
      const line = k + 1;
      headRef = must(lineNames[k], "an open pull request's branch line");
      headSha = graph.lineTip(line);
      const base = graph.get(graph.virtualSha(0, graph.line(line).base));
      baseSha = base ? base.sha : baseSha;
      const openedAfter = rng.int(1, 6) * HOUR;
      createdAt = (base?.committedAt ?? anchorMs - DAY) + openedAfter;
      if (createdAt > anchorMs) createdAt = anchorMs - rng.int(1, 5) * HOUR;
      // GitHub opens a pull request only once its branch has a commit of its own. (Moved without drawing again,
      // so the rest of the world stays as it was generated before.)
      const firstOwn = graph.get(graph.virtualSha(line, 0))?.committedAt;
      if (firstOwn !== undefined && createdAt <= firstOwn)
        createdAt = Math.max(firstOwn + MINUTE, Math.min(firstOwn + openedAfter, anchorMs - MINUTE));
    } else {
      let idx = rng.int(Math.min(1, mainCount - 1), mainCount - 1);
      for (let tries = 0; usedMergeIdx.has(idx) && tries < 20; tries++)
        idx = rng.int(Math.min(1, mainCount - 1), mainCount - 1);
      const at = graph.get(graph.virtualSha(0, idx));
      const endAt = at?.committedAt ?? anchorMs - DAY;
      createdAt = endAt - rng.int(1, 240) * HOUR;
      headRef = `${rng.pick(BRANCH_PREFIXES)}/${title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .slice(0, 24)
        .replace(/-$/, '')}-${k}`;
      headSha = graph.virtualSha(0, Math.max(0, idx - 1));
      baseSha = graph.virtualSha(0, Math.max(0, idx - 1));
      if (merged && !usedMergeIdx.has(idx) && idx > 0) {
        usedMergeIdx.add(idx);
        mergedAt = endAt;
        closedAt = endAt;
        mergeCommitSha = graph.virtualSha(0, idx);
      } else {
        closedAt = endAt;
      }
    }
    const reviews: SimReview[] = [];
    const reviewCount = rng.int(0, sizes.reviewsPerPull);
    const reviewEnd = closedAt ?? anchorMs;
    for (let r = 0; r < reviewCount; r++) {
      const reviewer = rng.pick(people.length > 1 ? people.filter((p) => p !== authorId) : people);
      // A merged pull request is approved by its last review; earlier ones comment or ask for changes. (Each
      // pick draws once from four states, so the rest of the world stays as it was generated before.)
      const state =
        mergedAt && r === reviewCount - 1 ? 'APPROVED' : rng.pick(mergedAt ? BEFORE_APPROVAL : REVIEW_STATES);
      reviews.push({
        id: blockId('review', repo, k * 10 + r),
        userId: reviewer,
        state,
        body: rng.pick(REVIEW_BODIES),
        submittedAt: Math.min(reviewEnd, createdAt + Math.floor((reviewEnd - createdAt) * rng.next())),
        commitId: headSha,
      });
    }
    reviews.sort((a, b) => a.submittedAt - b.submittedAt);
    const approval = reviews.find((r) => r.state === 'APPROVED');
    const last = reviews.at(-1);
    if (mergedAt && last && approval) [approval.state, last.state] = [last.state, 'APPROVED'];
    const additions = rng.skewed(800);
    const pull: SimPull = {
      id: blockId('pull', repo, k),
      number: 0,
      title,
      body: `This pull request ${title.charAt(0).toLowerCase()}${title.slice(1)}.`,
      state: isOpen ? 'open' : 'closed',
      draft: isOpen && rng.chance(0.2),
      locked: false,
      authorId,
      createdAt,
      updatedAt: Math.max(createdAt, closedAt ?? 0, reviews.at(-1)?.submittedAt ?? 0),
      closedAt,
      mergedAt,
      mergedById: mergedAt ? rng.pick(people) : null,
      mergeCommitSha,
      headRef,
      headSha,
      baseRef: repo.defaultBranch,
      baseSha,
      additions,
      deletions: rng.skewed(400),
      changedFiles: rng.skewed(25),
      commits: rng.int(1, 8),
      comments: rng.int(0, 6),
      labels: rng.chance(0.4) ? [rng.pick(LABELS).name] : [],
      reviews,
      requestedReviewerIds: [],
    };
    // An open pull request's commits are its branch line's. A closed one's are on a line of their own, written
    // before it was opened, up to 6 h apart (a short line's spacing); a fork shares its parent's graph, so its
    // closed pull requests have none.
    const slot = firstPullLine + k - openPulls;
    if (isOpen) pull.commits = graph.line(k + 1).count;
    else if (repo.graphKey === repo.id && slot < graph.spec.lines.length) {
      const base = graph.mainIndexAt(createdAt - (pull.commits + 1) * 6 * HOUR);
      graph.placeLine(slot, { base, count: pull.commits });
      // Near the start of the history the line cannot begin early enough: its commits must still come before the
      // pull request closed (fewer of them), and it is opened after the first (moved, as open ones are, without
      // drawing again; its reviews keep their order within the shorter span). When not even one commit fits, it
      // keeps its head on the default branch, as a fork's closed pull requests do.
      const end = closedAt ?? anchorMs;
      const at = (i: number) => graph.get(graph.virtualSha(slot, i))?.committedAt ?? end;
      while (pull.commits > 1 && at(pull.commits - 1) >= end) {
        pull.commits--;
        graph.placeLine(slot, { base, count: pull.commits });
      }
      const firstOwn = at(0);
      if (firstOwn < end - MINUTE) {
        if (createdAt <= firstOwn) {
          const openedAt = Math.min(firstOwn + HOUR, firstOwn + Math.floor((end - firstOwn) / 2));
          for (const r of reviews)
            r.submittedAt =
              openedAt + Math.floor(((r.submittedAt - createdAt) * (end - openedAt)) / (end - createdAt));
          createdAt = openedAt;
          pull.createdAt = openedAt;
          pull.updatedAt = Math.max(openedAt, end, reviews.at(-1)?.submittedAt ?? 0);
        }
        pull.headSha = graph.lineTip(slot);
        pull.baseSha = graph.virtualSha(0, base);
      }
      for (const r of reviews) r.commitId = pull.headSha;
    }
    detail.pulls.push(pull);
    numbered.push({ createdAt, assign: (n) => (pull.number = n) });
    if (mergeCommitSha) {
      const author = w.users.get(authorId) as SimUser;
      graph.overrides.set(graph.decode(mergeCommitSha)?.i ?? 0, {
        message: `${title} (#__NUMBER__)`,
        author: { name: author.name, email: author.email, userId: author.id },
      });
    }
  }
  for (let k = 0; k < sizes.issuesPerRepo; k++) {
    const createdAt = anchorMs - rng.int(1, sizes.historyDays * 24) * HOUR;
    const closed = rng.chance(0.6);
    const closedAt = closed ? Math.min(anchorMs - HOUR, createdAt + rng.int(1, 500) * HOUR) : null;
    const issue: SimIssue = {
      id: blockId('issue', repo, k),
      number: 0,
      title: rng.pick(ISSUE_TITLES),
      body: 'Steps to reproduce are in the description.',
      state: closed ? 'closed' : 'open',
      stateReason: closed ? (rng.chance(0.85) ? 'completed' : 'not_planned') : null,
      authorId: rng.pick(people),
      createdAt,
      updatedAt: closedAt ?? createdAt,
      closedAt,
      comments: rng.int(0, 10),
      labels: rng.chance(0.6) ? [rng.pick(LABELS).name] : [],
    };
    detail.issues.push(issue);
    numbered.push({ createdAt, assign: (n) => (issue.number = n) });
  }
  numbered.sort((a, b) => a.createdAt - b.createdAt);
  numbered.forEach((item, idx) => item.assign(idx + 1));
  detail.nextNumber = numbered.length + 1;
  for (const p of detail.pulls) {
    if (!p.mergeCommitSha) continue;
    const idx = graph.decode(p.mergeCommitSha)?.i;
    const o = idx === undefined ? undefined : graph.overrides.get(idx);
    if (o) o.message = o.message.replace('__NUMBER__', String(p.number));
  }

  // Users of the generated world only: accounts added later do not change a repository's generated stars.
  const userIds = [...w.users.values()].filter((u) => u.createdAt < anchorMs).map((u) => u.id);
  const popularity = 0.3 + rng.next() * 1.2;
  const starCount = Math.min(userIds.length, Math.floor(sizes.starsPerRepo * popularity));
  const stargazers = [...userIds].sort((a, b) => hash32(repo.id, a) - hash32(repo.id, b)).slice(0, starCount);
  const stars: SimStar[] = stargazers.map((userId) => ({
    userId,
    starredAt: repo.createdAt + Math.floor((anchorMs - repo.createdAt) * rng.next()),
  }));
  stars.sort((a, b) => a.starredAt - b.starredAt);
  detail.stars = stars;
  detail.deployments = generateDeployments(hash32(w.seed, repo.id, 11), repo, detail, people, anchorMs);
  detail.releases = generateReleases(hash32(w.seed, repo.id, 12), repo, detail);
  generateActions(w, repo, detail);
  // Later additions, each on a stream of its own so the data above stays as it was.
  assignIssues(hash32(w.seed, repo.id, 31), detail, people);
  const closers = closeIssuesByPulls(hash32(w.seed, repo.id, 32), detail);
  detail.labels.push({ id: blockId('label', repo, LABELS.length), ...INCIDENT_LABEL, default: false });
  openIncidents(hash32(w.seed, repo.id, 33), repo, detail, people, anchorMs);
  for (const issue of detail.issues)
    issue.timeline = generatedTimeline(issue, closers.get(issue.id), anchorMs);
  detail.tags = generateTags(w, repo, detail);
  detail.events = initialEvents(w, repo, detail, graph, owner);
  return detail;
}

/** Most deployments a generated repository has (its id block's size). */
const MAX_GENERATED_DEPLOYMENTS = 100;

/**
 * Deployments of most repositories, from their merged pull requests, on a random stream of their own (the rest of
 * a world does not change with them): every one to four merges go to production together, some through staging
 * first; each deployment is queued, in progress, then a success, or (about one in eight) a failure that a
 * redeployment of the same commit fixes within hours.
 */
function generateDeployments(
  seed: number,
  repo: SimRepo,
  detail: SimRepoDetail,
  people: number[],
  anchorMs: number,
): SimDeployment[] {
  const rng = new Rng(seed);
  if (!rng.chance(0.75) || !people.length) return [];
  const merged = detail.pulls
    .filter(
      (p): p is SimPull & { mergedAt: number; mergeCommitSha: string } => !!p.mergedAt && !!p.mergeCommitSha,
    )
    .sort((a, b) => a.mergedAt - b.mergedAt);
  const out: SimDeployment[] = [];
  let statusK = 0;
  const deploy = (sha: string, environment: string, at: number, fails: boolean): SimDeployment | null => {
    if (out.length >= MAX_GENERATED_DEPLOYMENTS || statusK + 3 > BLOCKS.deploymentStatus.stride) return null;
    // Nothing after the world's present.
    if (at + 20 * MINUTE > anchorMs) return null;
    const creatorId = rng.pick(people);
    const states: Array<[SimDeploymentState, number]> = [
      ['queued', at],
      ['in_progress', at + rng.int(1, 3) * MINUTE],
      [fails ? 'failure' : 'success', at + rng.int(5, 20) * MINUTE],
    ];
    const d: SimDeployment = {
      id: blockId('deployment', repo, out.length),
      sha,
      ref: repo.defaultBranch,
      task: 'deploy',
      environment,
      description: null,
      creatorId,
      createdAt: at,
      updatedAt: states[states.length - 1]?.[1] ?? at,
      productionEnvironment: environment === 'production',
      transientEnvironment: false,
      statuses: states.map(([state, createdAt]) => ({
        id: blockId('deploymentStatus', repo, statusK++),
        state,
        description: '',
        environment,
        logUrl: '',
        environmentUrl: environment === 'production' ? `https://${repo.name}.example.com` : '',
        creatorId,
        createdAt,
      })),
    };
    out.push(d);
    return d;
  };
  for (let i = 0; i < merged.length;) {
    const group = merged.slice(i, i + rng.int(1, 4));
    i += group.length;
    const last = group[group.length - 1];
    if (!last) break;
    let at = last.mergedAt + rng.int(10, 180) * MINUTE;
    if (rng.chance(0.3)) {
      deploy(last.mergeCommitSha, 'staging', at, false);
      at += rng.int(30, 120) * MINUTE;
    }
    const fails = rng.chance(0.12);
    deploy(last.mergeCommitSha, 'production', at, fails);
    if (fails) deploy(last.mergeCommitSha, 'production', at + rng.int(30, 240) * MINUTE, false);
  }
  return out.sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * Releases of half the repositories that deploy: every third successful production deployment is published as
 * v1.N.0 a few minutes after it, of the deployed commit (one in ten a pre-release).
 */
function generateReleases(seed: number, repo: SimRepo, detail: SimRepoDetail): SimRelease[] {
  const rng = new Rng(seed);
  if (!detail.deployments.length || !rng.chance(0.5)) return [];
  const shipped = detail.deployments.filter(
    (d) => d.environment === 'production' && d.statuses[d.statuses.length - 1]?.state === 'success',
  );
  const out: SimRelease[] = [];
  for (const [i, d] of shipped.entries()) {
    if (i % 3 !== 2 || out.length >= BLOCKS.release.stride) continue;
    const at = (d.statuses[d.statuses.length - 1]?.createdAt ?? d.createdAt) + rng.int(1, 10) * MINUTE;
    const tagName = `v1.${out.length}.0`;
    out.push({
      id: blockId('release', repo, out.length),
      tagName,
      name: tagName,
      sha: d.sha,
      targetCommitish: repo.defaultBranch,
      draft: false,
      prerelease: rng.chance(0.1),
      authorId: d.creatorId,
      createdAt: at,
      publishedAt: at,
      updatedAt: at,
    });
  }
  return out;
}

const SECOND = 1000;

/**
 * GitHub Actions of about three repositories in four, on a random stream of their own (the rest of a world does not
 * change with them): a "CI" workflow runs for every merge to the default branch, for its tip, and for each pull
 * request's head branch; repositories that deploy also have a "Deploy" workflow, one run per production deployment
 * that fails when the deployment does. Each run is queued, started within seconds, and done minutes later, before
 * the world's present. Also fills details saved by world files from before Actions existed.
 */
export function generateActions(w: GeneratorTarget, repo: SimRepo, detail: SimRepoDetail): void {
  const rng = new Rng(hash32(w.seed, repo.id, 21));
  const people = peopleOf(w, repo).filter((id) => w.users.has(id));
  detail.workflows = [];
  detail.workflowRuns = [];
  if (!rng.chance(0.75) || !people.length) return;
  const graph = w.graphs.get(repo.graphKey) as CommitGraph;
  const anchorMs = w.anchorMs;
  const workflow = (k: number, name: string, file: string, at: number): SimWorkflow => ({
    id: blockId('workflow', repo, k),
    name,
    path: `.github/workflows/${file}`,
    state: 'active',
    createdAt: at,
    updatedAt: at,
  });
  const ci = workflow(0, 'CI', 'ci.yml', repo.createdAt + HOUR);
  detail.workflows.push(ci);
  const production = detail.deployments.filter((d) => d.environment === 'production');
  const deploy = production.length
    ? workflow(
        1,
        'Deploy',
        'deploy.yml',
        Math.min(ci.createdAt + DAY, (production[0]?.createdAt ?? anchorMs) - HOUR),
      )
    : null;
  if (deploy) detail.workflows.push(deploy);

  type Draft = Omit<SimWorkflowRun, 'id' | 'runNumber'>;
  const drafts: Draft[] = [];
  const firstLine = (message: string) => message.split('\n')[0] ?? message;
  const outcome = (): SimWorkflowRunConclusion => {
    const roll = rng.next();
    return roll < 0.03 ? 'cancelled' : roll < 0.13 ? 'failure' : 'success';
  };
  const add = (
    wf: SimWorkflow,
    run: Pick<Draft, 'event' | 'headBranch' | 'headSha' | 'displayTitle' | 'pullNumber' | 'actorId'>,
    createdAt: number,
    conclusion: SimWorkflowRunConclusion,
    doneAt?: number,
  ) => {
    const runStartedAt = createdAt + rng.int(2, 40) * SECOND;
    // Nothing after the world's present: a run close to it was quicker (commits are 10 minutes older than it).
    const updatedAt = Math.min(
      anchorMs,
      doneAt ??
        runStartedAt +
          rng.int(conclusion === 'cancelled' ? 20 : 90, conclusion === 'cancelled' ? 120 : 720) * SECOND,
    );
    if (createdAt < wf.createdAt || updatedAt < runStartedAt + 10 * SECOND) return;
    drafts.push({
      ...run,
      workflowId: wf.id,
      name: wf.name,
      status: 'completed',
      conclusion,
      runAttempt: 1,
      createdAt,
      runStartedAt,
      updatedAt,
      triggeringActorId: run.actorId,
    });
  };

  const mergeRuns = new Set<string>();
  for (const p of detail.pulls) {
    add(
      ci,
      {
        event: 'pull_request',
        headBranch: p.headRef,
        headSha: p.headSha,
        displayTitle: p.title,
        pullNumber: p.number,
        actorId: p.authorId,
      },
      p.createdAt + rng.int(3, 30) * SECOND,
      outcome(),
    );
    if (p.mergedAt === null || p.mergeCommitSha === null) continue;
    mergeRuns.add(p.mergeCommitSha);
    add(
      ci,
      {
        event: 'push',
        headBranch: repo.defaultBranch,
        headSha: p.mergeCommitSha,
        displayTitle: `${p.title} (#${p.number})`,
        pullNumber: null,
        actorId: p.mergedById ?? p.authorId,
      },
      p.mergedAt + rng.int(3, 30) * SECOND,
      outcome(),
    );
  }
  const tip = graph.get(graph.lineTip(0));
  if (tip && !mergeRuns.has(tip.sha)) {
    const author = tip.author.userId;
    add(
      ci,
      {
        event: 'push',
        headBranch: repo.defaultBranch,
        headSha: tip.sha,
        displayTitle: firstLine(tip.message),
        pullNumber: null,
        actorId: author !== null && people.includes(author) ? author : rng.pick(people),
      },
      tip.committedAt + rng.int(3, 30) * SECOND,
      outcome(),
    );
  }
  if (deploy) {
    const titles = new Map(detail.pulls.map((p) => [p.mergeCommitSha, `${p.title} (#${p.number})`]));
    for (const d of production) {
      const last = d.statuses[d.statuses.length - 1];
      const state = last?.state;
      const conclusion = state === 'failure' || state === 'error' ? 'failure' : 'success';
      add(
        deploy,
        {
          event: 'push',
          headBranch: repo.defaultBranch,
          headSha: d.sha,
          displayTitle: titles.get(d.sha) ?? firstLine(graph.get(d.sha)?.message ?? 'Deploy'),
          pullNumber: null,
          actorId: people.includes(d.creatorId) ? d.creatorId : rng.pick(people),
        },
        // The workflow creates the deployment a minute or two after it starts, and ends after its last status.
        d.createdAt - rng.int(60, 150) * SECOND,
        conclusion,
        (last?.createdAt ?? d.createdAt) + rng.int(10, 60) * SECOND,
      );
    }
  }
  drafts.sort((a, b) => a.createdAt - b.createdAt);
  const numbers = new Map<number, number>();
  for (const [k, draft] of drafts.slice(0, BLOCKS.workflowRun.stride).entries()) {
    const runNumber = (numbers.get(draft.workflowId) ?? 0) + 1;
    numbers.set(draft.workflowId, runNumber);
    detail.workflowRuns.push({ ...draft, id: blockId('workflowRun', repo, k), runNumber });
  }
}

/**
 * Git tags: every release's tag, annotated (a tag object by the release's author, minutes before it was published),
 * and in six repositories in ten lightweight `build-<n>` tags on about a third of the default branch's merge commits
 * (n counts the merges). From a random stream of their own; also fills details saved by world files from before
 * tags existed.
 */
export function generateTags(w: GeneratorTarget, repo: SimRepo, detail: SimRepoDetail): Map<string, SimTag> {
  const rng = new Rng(hash32(w.seed, repo.id, 34));
  const tags = new Map<string, SimTag>();
  for (const release of detail.releases) {
    const user = w.users.get(release.authorId);
    const taggedAt = release.createdAt - rng.int(1, 5) * MINUTE;
    if (!user || tags.has(release.tagName)) continue;
    const tagger = { name: user.name, email: user.email, userId: user.id };
    const message = `Release ${release.tagName}`;
    tags.set(release.tagName, {
      name: release.tagName,
      sha: release.sha,
      annotation: {
        sha: tagObjectSha({ name: release.tagName, commit: release.sha, message, tagger, date: taggedAt }),
        message,
        tagger,
        taggedAt,
      },
      createdAt: taggedAt,
    });
  }
  if (!rng.chance(0.6)) return tags;
  const merges = detail.pulls
    .filter((p): p is SimPull & { mergedAt: number; mergeCommitSha: string } => p.mergeCommitSha !== null)
    .sort((a, b) => a.mergedAt - b.mergedAt);
  for (const [k, pull] of merges.entries()) {
    const tagged = rng.chance(0.35);
    const at = pull.mergedAt + rng.int(5, 40) * MINUTE;
    if (!tagged || at > w.anchorMs) continue;
    const name = `build-${k + 1}`;
    tags.set(name, { name, sha: pull.mergeCommitSha, annotation: null, createdAt: at });
  }
  return tags;
}

/** Zero to two assignees per issue, from the people of the repository. */
function assignIssues(seed: number, detail: SimRepoDetail, people: number[]): void {
  const rng = new Rng(seed);
  for (const issue of detail.issues) {
    const count = Math.min(people.length, rng.pick([0, 0, 1, 1, 1, 2]));
    const ids: number[] = [];
    while (ids.length < count) {
      const id = rng.pick(people);
      if (!ids.includes(id)) ids.push(id);
    }
    issue.assigneeIds = ids;
  }
}

/**
 * About half the issues closed as completed were closed by a merged pull request that says "Fixes #N": one
 * merged between the issue's opening and its close, whose merge then closed it. Returns each such issue's closer.
 */
function closeIssuesByPulls(seed: number, detail: SimRepoDetail): Map<number, SimPull> {
  const rng = new Rng(seed);
  const closers = new Map<number, SimPull>();
  const used = new Set<number>();
  const merged = detail.pulls.filter((p) => p.mergedAt !== null);
  for (const issue of detail.issues) {
    if (issue.stateReason !== 'completed' || issue.closedAt === null || !rng.chance(0.5)) continue;
    const { createdAt, closedAt } = issue;
    const fits = merged.filter(
      (p) => !used.has(p.id) && (p.mergedAt as number) > createdAt && (p.mergedAt as number) <= closedAt,
    );
    if (!fits.length) continue;
    const pull = rng.pick(fits);
    used.add(pull.id);
    pull.body = `${pull.body}\n\nFixes #${issue.number}`;
    issue.closedAt = pull.mergedAt as number;
    issue.updatedAt = issue.closedAt;
    closers.set(issue.id, pull);
  }
  return closers;
}

/** Most incident issues a generated repository has (its id block's size). */
const MAX_GENERATED_INCIDENTS = BLOCKS.incident.stride;

/**
 * An issue labelled `incident` minutes after each failed production deployment (some labelled `bug` too), assigned
 * to someone on call and closed once the redeployment succeeded. Numbered after the generated issues and pull
 * requests, so theirs stay as they were.
 */
function openIncidents(
  seed: number,
  repo: SimRepo,
  detail: SimRepoDetail,
  people: number[],
  anchorMs: number,
): void {
  const rng = new Rng(seed);
  if (!people.length) return;
  const finalState = (d: SimDeployment) => d.statuses[d.statuses.length - 1];
  const production = detail.deployments.filter((d) => d.environment === 'production');
  const incidents: SimIssue[] = [];
  for (const failed of production) {
    const failure = finalState(failed);
    if (failure?.state !== 'failure' || incidents.length >= MAX_GENERATED_INCIDENTS) continue;
    const createdAt = failure.createdAt + rng.int(2, 15) * MINUTE;
    const title = rng.pick(INCIDENT_TITLES);
    const labels = rng.chance(0.4) ? ['incident', 'bug'] : ['incident'];
    const assignee = rng.pick(people);
    const comments = rng.int(1, 6);
    const closeDelay = rng.int(2, 30) * MINUTE;
    if (createdAt > anchorMs) continue;
    const fix = production.find(
      (d) => d.sha === failed.sha && d.createdAt > failed.createdAt && finalState(d)?.state === 'success',
    );
    const fixedAt = fix ? (finalState(fix)?.createdAt ?? fix.createdAt) + closeDelay : null;
    const closedAt = fixedAt !== null && fixedAt <= anchorMs ? fixedAt : null;
    incidents.push({
      id: blockId('incident', repo, incidents.length),
      number: 0,
      title,
      body: `The production deployment of ${failed.sha.slice(0, 7)} failed. Rolling forward with a redeployment.`,
      state: closedAt === null ? 'open' : 'closed',
      stateReason: closedAt === null ? null : 'completed',
      authorId: failed.creatorId,
      createdAt,
      updatedAt: closedAt ?? createdAt,
      closedAt,
      comments,
      labels,
      assigneeIds: [assignee],
    });
  }
  for (const issue of incidents.sort((a, b) => a.createdAt - b.createdAt)) {
    issue.number = detail.nextNumber++;
    detail.issues.push(issue);
  }
}

/** A generated issue's timeline: its assignments soon after it was opened, then its close (by a pull request or a person). */
function generatedTimeline(issue: SimIssue, closer: SimPull | undefined, anchorMs: number): SimIssueEvent[] {
  const end = issue.closedAt ?? anchorMs;
  const events: SimIssueEvent[] = (issue.assigneeIds ?? []).map((assigneeId, k) => ({
    type: 'assigned',
    at: Math.min(end, issue.createdAt + (k + 1) * 7 * MINUTE),
    actorId: issue.authorId,
    assigneeId,
  }));
  if (issue.state === 'closed' && issue.closedAt !== null)
    events.push({
      type: 'closed',
      at: issue.closedAt,
      actorId: closer?.mergedById ?? issue.assigneeIds?.[0] ?? issue.authorId,
      stateReason: issue.stateReason === 'not_planned' ? 'not_planned' : 'completed',
      ...(closer ? { closerPullId: closer.id } : {}),
    });
  return events;
}

function peopleOf(w: GeneratorTarget, repo: SimRepo): number[] {
  if (repo.ownerType === 'Organization') {
    const org = w.orgs.get(repo.ownerId);
    if (org) return [...org.members.keys()];
  }
  return [repo.ownerId, ...repo.collaborators.keys()];
}

/** GitHub keeps 90 days / 300 events of a repo's public activity. */
function initialEvents(
  w: GeneratorTarget,
  repo: SimRepo,
  d: SimRepoDetail,
  graph: CommitGraph,
  owner: string,
): SimRepoEvent[] {
  const since = w.anchorMs - 90 * DAY;
  const events: SimRepoEvent[] = [];
  const add = (type: string, actorId: number, createdAt: number, payload: Record<string, unknown>) => {
    if (createdAt >= since) events.push({ id: '', type, actorId, createdAt, payload });
  };
  for (const s of d.stars) add('WatchEvent', s.userId, s.starredAt, { action: 'started' });
  for (const p of d.pulls) {
    add('PullRequestEvent', p.authorId, p.createdAt, { action: 'opened', number: p.number, pullId: p.id });
    if (p.closedAt)
      add('PullRequestEvent', p.mergedById ?? p.authorId, p.closedAt, {
        action: 'closed',
        number: p.number,
        pullId: p.id,
      });
    for (const r of p.reviews)
      add('PullRequestReviewEvent', r.userId, r.submittedAt, {
        action: 'created',
        number: p.number,
        pullId: p.id,
        reviewId: r.id,
      });
  }
  for (const i of d.issues) {
    add('IssuesEvent', i.authorId, i.createdAt, { action: 'opened', number: i.number, issueId: i.id });
    if (i.closedAt)
      add('IssuesEvent', i.authorId, i.closedAt, { action: 'closed', number: i.number, issueId: i.id });
  }
  const recent = graph.history(graph.lineTip(0), { since, skip: 0, take: 40 }).commits;
  for (const c of recent) {
    add('PushEvent', c.author.userId ?? repo.ownerId, c.committedAt, {
      ref: `refs/heads/${repo.defaultBranch}`,
      head: c.sha,
      before: c.parents[0] ?? '0000000000000000000000000000000000000000',
      shas: [c.sha],
    });
  }
  events.sort((a, b) => b.createdAt - a.createdAt);
  const kept = events.slice(0, 300);
  void owner;
  // Oldest kept event gets the first id.
  kept.forEach((e, k) => (e.id = String(blockId('event', repo, kept.length - 1 - k))));
  return kept;
}
