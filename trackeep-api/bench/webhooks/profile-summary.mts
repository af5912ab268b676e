// Where the time goes, from V8 CPU profiles (.cpuprofile) and PostgreSQL's pg_stat_statements: the figures
// `BENCH_PROFILE=1 npm run bench:webhooks` writes to bench-results/webhooks-profile.json.

export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface TimeShare {
  name: string;
  ms: number;
  msPerDelivery: number;
  /** Of the busy (non-idle) time. */
  share: number;
}

export interface CpuSummary {
  /** Deliveries received (intake) or applied (drain) in the profiled windows. */
  deliveries: number;
  /** Sampled time in the profiled windows, idle included. */
  sampledMs: number;
  idleMs: number;
  /** Self time by the code that owns the frame (native and Node.js frames as themselves). */
  byOrigin: TimeShare[];
  /**
   * Time by the nearest package or our own code on the stack: a socket write is charged to `pg` when the
   * database driver made it and to whoever answered the request when it is a response.
   */
  byCaller: TimeShare[];
  topFunctions: TimeShare[];
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Who owns a frame: a package, a Node.js core module, our bundle, or V8 itself (GC, native code). */
export function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const inModules = url.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const [first = '', second = ''] = url.slice(inModules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (url.startsWith('node:')) {
    const path = url.slice('node:'.length).replace(/^internal\//, '');
    return `node:${path.split('/')[0]}`;
  }
  if (url.includes('/dist/trackeep-api/')) return 'trackeep-api';
  return url.replace(/^file:\/\//, '');
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const file = frame.url
    ? ` ${frame.url.replace(/^.*\/(node_modules|dist)\//, '')}:${frame.lineNumber + 1}`
    : '';
  return `${frame.functionName || '(anonymous)'}${file}`;
}

function top(totals: Map<string, number>, busyMs: number, deliveries: number, n: number): TimeShare[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({
      name,
      ms: round(ms),
      msPerDelivery: round(ms / Math.max(deliveries, 1), 4),
      share: round(ms / Math.max(busyMs, 1e-9), 3),
    }));
}

/** Self time of every sample, summed by origin and by function over all the profiles. */
export function summarizeCpu(profiles: CpuProfile[], deliveries: number, n = 12): CpuSummary {
  const byOrigin = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let sampledMs = 0;
  let idleMs = 0;
  for (const profile of profiles) {
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    const parents = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
    const callerOf = (id: number): string => {
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
        const frame = frames.get(at);
        const origin = frame ? originOf(frame.url, frame.functionName) : '';
        if (frame?.url && !origin.startsWith('node:')) return origin;
      }
      const leaf = frames.get(id);
      return leaf ? originOf(leaf.url, leaf.functionName) : '(unknown)';
    };
    profile.samples.forEach((id, i) => {
      // timeDeltas[i] is the time since the previous sample: the sampled frame is charged with it.
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      const frame = frames.get(id);
      if (!frame) return;
      sampledMs += ms;
      if (frame.functionName === '(idle)') {
        idleMs += ms;
        return;
      }
      const origin = originOf(frame.url, frame.functionName);
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + ms);
      const caller = callerOf(id);
      byCaller.set(caller, (byCaller.get(caller) ?? 0) + ms);
      const name = frameName(frame);
      byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    });
  }
  const busyMs = sampledMs - idleMs;
  return {
    deliveries,
    sampledMs: round(sampledMs),
    idleMs: round(idleMs),
    byOrigin: top(byOrigin, busyMs, deliveries, n),
    byCaller: top(byCaller, busyMs, deliveries, n),
    topFunctions: top(byFunction, busyMs, deliveries, n),
  };
}

export interface StatementTime {
  query: string;
  calls: number;
  callsPerDelivery: number;
  totalMs: number;
  meanMs: number;
  share: number;
}

export interface StatementsSummary {
  /** Every statement the windows ran: calls per delivery is the number of round trips each one cost. */
  calls: number;
  callsPerDelivery: number;
  totalMs: number;
  top: StatementTime[];
  mostCalled: StatementTime[];
}

/**
 * Sums pg_stat_statements snapshots (each taken after a reset) by statement; keeps the costliest and the most
 * called.
 */
export function summarizeStatements(
  snapshots: Array<Array<{ queryid: string; query: string; calls: number; total_exec_time: number }>>,
  deliveries: number,
  n = 10,
): StatementsSummary {
  const totals = new Map<string, { query: string; calls: number; ms: number }>();
  for (const rows of snapshots)
    for (const row of rows) {
      const seen = totals.get(row.queryid) ?? { query: row.query, calls: 0, ms: 0 };
      seen.calls += Number(row.calls);
      seen.ms += Number(row.total_exec_time);
      totals.set(row.queryid, seen);
    }
  const all = [...totals.values()].reduce((sum, s) => sum + s.ms, 0);
  const calls = [...totals.values()].reduce((sum, s) => sum + s.calls, 0);
  const row = (s: { query: string; calls: number; ms: number }): StatementTime => ({
    query: s.query.replace(/\s+/g, ' ').slice(0, 160),
    calls: s.calls,
    callsPerDelivery: round(s.calls / Math.max(deliveries, 1), 2),
    totalMs: round(s.ms),
    meanMs: round(s.ms / Math.max(s.calls, 1), 3),
    share: round(s.ms / Math.max(all, 1e-9), 3),
  });
  return {
    calls,
    callsPerDelivery: round(calls / Math.max(deliveries, 1), 2),
    totalMs: round(all),
    top: [...totals.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, n)
      .map(row),
    // Every statement is a round trip the API pays for, however cheap it is for PostgreSQL.
    mostCalled: [...totals.values()]
      .sort((a, b) => b.calls - a.calls)
      .slice(0, n)
      .map(row),
  };
}
