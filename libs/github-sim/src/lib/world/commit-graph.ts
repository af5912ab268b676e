import { must } from '../must';
import { COMMIT_SUBJECTS, COMMIT_VERBS, FILE_STEMS } from './names.constant';
import { hash32, hex8, permute32, Rng, unpermute32 } from './random.util';
import type { SimCommit, SimCommitAuthor, SimFileChange } from './world.types';

/**
 * Commit history of one repository (shared by its forks).
 *
 * Generated commits are *virtual*: nothing is stored per commit. Line 0 is the default branch's
 * linear history (index 0 = root); lines 1..n are short feature branches forked from a main-line
 * index. A virtual SHA encodes (line, index) through an invertible permutation in its first 8 hex
 * digits, so any SHA can be resolved in O(1) and a million commits cost no memory.
 * Commits pushed at runtime are *explicit* and stored in a map with their parents.
 */
export interface GraphLine {
  /** Main-line index this branch line starts from (ignored for line 0). */
  base: number;
  count: number;
}

export interface GraphSpec {
  key: number;
  lines: GraphLine[];
  /**
   * How many of the last lines hold closed pull requests' own commits (their branches were deleted, so no branch
   * points at them); each is placed with its pull request (placeLine), before anything can reach it.
   */
  pullLines?: number;
  startMs: number;
  endMs: number;
  authors: SimCommitAuthor[];
  committer: SimCommitAuthor;
  dirs: string[];
  ext: string;
}

export interface HistoryQuery {
  since?: number;
  until?: number;
  skip: number;
  take: number;
  /** Also count every matching commit (for totalCount and Link rel="last"). */
  count?: boolean;
}

export interface HistoryResult {
  commits: SimCommit[];
  /** Number of matching commits when `count` was asked (or when the walk ended anyway). */
  total: number | null;
}

interface VirtualPos {
  line: number;
  i: number;
}

interface FrontierNode {
  sha: string;
  date: number;
  v: VirtualPos | null;
}

const SHA_RE = /^[0-9a-f]{40}$/;

export class CommitGraph {
  readonly explicit = new Map<string, SimCommit>();
  /** Main-line overrides (squash-merged PRs): index -> message and author. */
  readonly overrides = new Map<number, { message: string; author: SimCommitAuthor }>();

  constructor(readonly spec: GraphSpec) {}

  get virtualCount(): number {
    return this.spec.lines.reduce((sum, l) => sum + l.count, 0);
  }

  get size(): number {
    return this.virtualCount + this.explicit.size;
  }

  /** A SHA encodes the line in 8 bits. */
  static readonly MAX_LINES = 256;

  /** Places a reserved pull request line: where it forks from the main line and how many commits it has. */
  placeLine(n: number, line: GraphLine): void {
    const reserved = this.spec.lines.length - (this.spec.pullLines ?? 0);
    if (n < reserved || n >= this.spec.lines.length) throw new Error(`line ${n} is not a pull request line`);
    this.spec.lines[n] = { base: line.base, count: Math.max(1, line.count) };
  }

  lineTip(line: number): string {
    return this.virtualSha(line, this.line(line).count - 1);
  }

  /** A line the caller knows exists (decoded from a SHA, or counted from the spec). */
  line(n: number): GraphLine {
    return must(this.spec.lines[n], 'the commit graph line');
  }

  virtualSha(line: number, i: number): string {
    const word = ((line << 24) | i) >>> 0;
    const k = this.spec.key;
    return (
      hex8(permute32(word, k)) +
      hex8(hash32(k, word, 1)) +
      hex8(hash32(k, word, 2)) +
      hex8(hash32(k, word, 3)) +
      hex8(hash32(k, word, 4))
    );
  }

  /** Main-line index whose commit date is the last at or before `ms` (for placing merges). */
  mainIndexAt(ms: number): number {
    const n = this.line(0).count;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.virtualDate({ line: 0, i: mid }) <= ms) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  decode(sha: string): VirtualPos | null {
    if (!SHA_RE.test(sha)) return null;
    const word = unpermute32(parseInt(sha.slice(0, 8), 16), this.spec.key);
    const line = word >>> 24;
    const i = word & 0xffffff;
    const spec = this.spec.lines[line];
    if (!spec || i >= spec.count) return null;
    return this.virtualSha(line, i) === sha ? { line, i } : null;
  }

  has(sha: string): boolean {
    return this.explicit.has(sha) || this.decode(sha) !== null;
  }

  get(sha: string): SimCommit | undefined {
    const e = this.explicit.get(sha);
    if (e) return e;
    const v = this.decode(sha);
    return v ? this.materialize(v, sha) : undefined;
  }

  /** Resolve a full SHA or an unambiguous prefix of at least 7 hex digits (explicit commits only for prefixes). */
  resolve(shaOrPrefix: string): SimCommit | undefined {
    const s = shaOrPrefix.toLowerCase();
    if (s.length === 40) return this.get(s);
    if (!/^[0-9a-f]{7,39}$/.test(s)) return undefined;
    for (const sha of this.explicit.keys()) if (sha.startsWith(s)) return this.explicit.get(sha);
    return undefined;
  }

  add(commit: SimCommit): void {
    this.explicit.set(commit.sha, commit);
  }

  private virtualDate(v: VirtualPos): number {
    const { startMs, endMs, key } = this.spec;
    if (v.line === 0) {
      const n = this.line(0).count;
      const span = endMs - startMs;
      const jitter = ((hash32(key, v.i, 7) % 1000) / 1000 - 0.5) * 0.8;
      const t = startMs + (span * (v.i + 0.5 + jitter)) / n;
      return Math.floor(t / 1000) * 1000;
    }
    const line = this.line(v.line);
    const baseDate = this.virtualDate({ line: 0, i: line.base });
    const gap = Math.max(60_000, Math.min(6 * 3600_000, (endMs - baseDate) / (line.count + 1)));
    return Math.min(endMs, Math.floor((baseDate + gap * (v.i + 1)) / 1000) * 1000);
  }

  private materialize(v: VirtualPos, knownSha?: string): SimCommit {
    const { key, authors, committer, dirs, ext } = this.spec;
    const rng = new Rng(hash32(key, v.line, v.i, 11));
    const sha = knownSha ?? this.virtualSha(v.line, v.i);
    const date = this.virtualDate(v);
    const override = v.line === 0 ? this.overrides.get(v.i) : undefined;
    const r = rng.next();
    const author = override?.author ?? must(authors[Math.floor(r * r * authors.length)], 'a commit author');
    const message =
      override?.message ??
      (v.i === 0 && v.line === 0
        ? 'Initial commit'
        : `${rng.pick(COMMIT_VERBS)} ${rng.pick(COMMIT_SUBJECTS)}` +
          (rng.chance(0.3) ? `\n\n${rng.pick(COMMIT_VERBS)} ${rng.pick(COMMIT_SUBJECTS)} as well.` : ''));
    const fileCount = v.i === 0 && v.line === 0 ? 3 : rng.skewed(12);
    const files: SimFileChange[] = [];
    const seen = new Set<string>();
    for (let f = 0; f < fileCount; f++) {
      let filename = `${rng.pick(dirs)}/${rng.pick(FILE_STEMS)}.${ext}`;
      if (seen.has(filename)) filename = filename.replace(`.${ext}`, `_${f}.${ext}`);
      seen.add(filename);
      const status: SimFileChange['status'] =
        v.i === 0 ? 'added' : rng.chance(0.12) ? 'added' : rng.chance(0.05) ? 'removed' : 'modified';
      const additions = status === 'removed' ? 0 : rng.skewed(300);
      const deletions = status === 'added' ? 0 : rng.skewed(120);
      files.push({ filename, status, additions, deletions });
    }
    const parents = this.parentOf(v);
    return {
      sha,
      treeSha:
        hex8(hash32(key, v.line, v.i, 21)) +
        hex8(hash32(key, v.i, 22)) +
        hex8(hash32(key, v.line, 23)) +
        hex8(hash32(v.i, key, 24)) +
        hex8(hash32(key, 25, v.i)),
      message,
      author,
      committer: override ? committer : author,
      authoredAt: date,
      committedAt: date,
      parents: parents ? [this.virtualSha(parents.line, parents.i)] : [],
      additions: files.reduce((s, f) => s + f.additions, 0),
      deletions: files.reduce((s, f) => s + f.deletions, 0),
      files,
    };
  }

  private parentOf(v: VirtualPos): VirtualPos | null {
    if (v.i > 0) return { line: v.line, i: v.i - 1 };
    if (v.line === 0) return null;
    return { line: 0, i: this.line(v.line).base };
  }

  private chainLength(v: VirtualPos): number {
    return v.line === 0 ? v.i + 1 : v.i + 1 + this.line(v.line).base + 1;
  }

  private chainAt(v: VirtualPos, p: number): VirtualPos {
    if (p <= v.i) return { line: v.line, i: v.i - p };
    return { line: 0, i: this.line(v.line).base - (p - v.i - 1) };
  }

  /** Does the first-parent chain starting at `a` contain `b`? */
  private chainContains(a: VirtualPos, b: VirtualPos): boolean {
    if (a.line === b.line) return b.i <= a.i;
    return b.line === 0 && a.line !== 0 && b.i <= this.line(a.line).base;
  }

  /** First chain position whose date satisfies pred, given dates are non-increasing along the chain. */
  private firstPos(v: VirtualPos, len: number, pred: (date: number) => boolean): number {
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pred(this.virtualDate(this.chainAt(v, mid)))) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private node(sha: string): FrontierNode | null {
    const e = this.explicit.get(sha);
    if (e) return { sha, date: e.committedAt, v: null };
    const v = this.decode(sha);
    return v ? { sha, date: this.virtualDate(v), v } : null;
  }

  /**
   * `git log` from a tip in reverse chronological order (a child always before its parents), filtered by
   * committer date, with skip/take. Linear virtual stretches are skipped arithmetically, so deep pages
   * of a million-commit history are O(page).
   */
  history(tip: string, q: HistoryQuery): HistoryResult {
    const out: SimCommit[] = [];
    const inRange = (d: number) =>
      (q.since === undefined || d >= q.since) && (q.until === undefined || d <= q.until);
    const frontier: FrontierNode[] = [];
    const visited = new Set<string>();
    let matched = 0;
    const push = (sha: string) => {
      if (visited.has(sha)) return;
      const n = this.node(sha);
      if (!n) return;
      if (n.v) {
        for (let k = frontier.length - 1; k >= 0; k--) {
          const other = frontier[k]?.v;
          if (!other) continue;
          if (this.chainContains(other, n.v)) return;
          if (this.chainContains(n.v, other)) frontier.splice(k, 1);
        }
      } else if (frontier.some((f) => f.sha === sha)) return;
      frontier.push(n);
    };
    push(tip);
    while (frontier.length > 0) {
      const first = must(frontier[0], 'the first history frontier node');
      if (frontier.length === 1 && first.v) {
        const v = first.v;
        const len = this.chainLength(v);
        const from = q.until === undefined ? 0 : this.firstPos(v, len, (d) => d <= (q.until as number));
        const to = q.since === undefined ? len : this.firstPos(v, len, (d) => d < (q.since as number));
        const n = Math.max(0, to - from);
        let p = from + Math.max(0, q.skip - matched);
        while (p < to && out.length < q.take) out.push(this.materialize(this.chainAt(v, p++)));
        matched += n;
        return { commits: out, total: matched };
      }
      // The newest node goes next; the first of equally new ones wins.
      let node = first;
      let best = 0;
      frontier.forEach((f, k) => {
        if (f.date > node.date) {
          node = f;
          best = k;
        }
      });
      frontier.splice(best, 1);
      visited.add(node.sha);
      const commit = node.v ? this.materialize(node.v) : (this.explicit.get(node.sha) as SimCommit);
      if (inRange(commit.committedAt)) {
        matched++;
        if (matched > q.skip && out.length < q.take) out.push(commit);
        else if (out.length >= q.take && !q.count) return { commits: out, total: null };
      }
      for (const parent of commit.parents) push(parent);
    }
    return { commits: out, total: matched };
  }

  /**
   * A pull request's commits, oldest first, as GitHub lists them (at most `limit`): those reachable from `head`
   * but not from `base`. While the walk has met no merge, the first commit `base` has means every older one is
   * `base`'s too, so the walk stops there instead of reading `limit` commits.
   */
  ownCommits(head: string, base: string, limit = 250): SimCommit[] {
    const own: SimCommit[] = [];
    let linear = true;
    const page = 10;
    for (let skip = 0; skip < limit; skip += page) {
      const { commits } = this.history(head, { skip, take: Math.min(page, limit - skip) });
      for (const c of commits) {
        if (this.isAncestor(c.sha, base)) {
          if (linear) return own.reverse();
          continue;
        }
        own.push(c);
        if (c.parents.length > 1) linear = false;
      }
      if (commits.length < page) break;
    }
    return own.reverse();
  }

  /**
   * How many commits `tip` has that `other` has not (`git rev-list --count other..tip`). Virtual lines are
   * linear, so each is counted arithmetically: the part of a line `other` reaches is a prefix of it.
   */
  countNotIn(tip: string, other: string): number {
    return this.notIn(tip, other).count;
  }

  /**
   * `git log other..tip`: the commits `tip` has that `other` has not, newest first (a child before its parents),
   * `take` of them after the first `skip`. Without a merge among them they are the first commits of `tip`'s
   * history, so the page is read straight from it (arithmetically over virtual lines); with one, `tip`'s history is
   * filtered until the page is full or every such commit has been met.
   */
  commitsNotIn(tip: string, other: string, skip: number, take: number): SimCommit[] {
    const { count, linear } = this.notIn(tip, other);
    const want = Math.min(take, count - skip);
    if (want <= 0) return [];
    if (linear) return this.history(tip, { skip, take: want }).commits;
    const out: SimCommit[] = [];
    let matched = 0;
    for (const c of this.walk(tip)) {
      if (this.isAncestor(c.sha, other)) continue;
      if (matched++ >= skip) out.push(c);
      if (out.length === want) break;
    }
    return out;
  }

  /** The newest commit both `a` and `b` reach (`git merge-base a b`), or undefined when they share none. */
  mergeBase(a: string, b: string): SimCommit | undefined {
    const { count, linear } = this.notIn(a, b);
    // Without a merge, the commits `a` has alone come first in its history, and its next commit is `b`'s too.
    if (linear) return this.history(a, { skip: count, take: 1 }).commits[0];
    for (const c of this.walk(a)) if (this.isAncestor(c.sha, b)) return c;
    return undefined;
  }

  /** `tip`'s history commit by commit, read in growing windows so a long walk costs about twice its length. */
  private *walk(tip: string): Generator<SimCommit> {
    for (let at = 0, size = 64; ; at += size, size *= 2) {
      const { commits } = this.history(tip, { skip: at, take: size });
      yield* commits;
      if (commits.length < size) return;
    }
  }

  /** How many commits `tip` has that `other` has not, and whether none of them is a merge (they form one line). */
  private notIn(tip: string, other: string): { count: number; linear: boolean } {
    // Highest index reached on each virtual line; a line's commits from 0 up to it are all reachable.
    const reached = new Map<number, number>();
    const reach = (v: VirtualPos) => {
      reached.set(v.line, Math.max(reached.get(v.line) ?? -1, v.i));
      if (v.line !== 0) reached.set(0, Math.max(reached.get(0) ?? -1, this.line(v.line).base));
    };
    let count = 0;
    let linear = true;
    const seen = new Set<string>();
    const stack = [tip];
    while (stack.length) {
      const sha = stack.pop() as string;
      if (seen.has(sha)) continue;
      seen.add(sha);
      const n = this.node(sha);
      if (!n) continue;
      if (n.v) reach(n.v);
      else if (!this.isAncestor(sha, other)) {
        count++;
        const { parents } = this.explicit.get(sha) as SimCommit;
        if (parents.length > 1) linear = false;
        stack.push(...parents);
      }
    }
    for (const [line, top] of reached) {
      // First index of the line that `other` does not reach (everything below it, it does).
      let lo = 0;
      let hi = top + 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.isAncestor(this.virtualSha(line, mid), other)) lo = mid + 1;
        else hi = mid;
      }
      count += top + 1 - lo;
    }
    return { count, linear };
  }

  /** Is `ancestor` reachable from `tip`? (used for merge checks and compare) */
  isAncestor(ancestor: string, tip: string): boolean {
    if (ancestor === tip) return true;
    const a = this.node(ancestor);
    if (!a) return false;
    const stack = [tip];
    const seen = new Set<string>();
    while (stack.length) {
      const sha = stack.pop() as string;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      const n = this.node(sha);
      if (!n) continue;
      if (n.v && a.v) {
        if (this.chainContains(n.v, a.v)) return true;
        continue;
      }
      if (n.v) continue; // explicit commits are never below virtual ones
      for (const p of (this.explicit.get(sha) as SimCommit).parents) stack.push(p);
    }
    return false;
  }
}
