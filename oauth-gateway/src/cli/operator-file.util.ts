import { chmodSync, chownSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// How the operator commands write the gateway's files (signing keys, clients). The gateway image runs as uid
// 1000, and compose bind-mounts these files as they are, so a file only its creator can read stops the gateway
// with EACCES. Rules:
//   - an existing file keeps its mode and (when run as root) its owner, so a rotation never breaks replicas
//     that could read the file before;
//   - a new file is 0644 (readable by uid 1000 whoever wrote it; keep the directory 0700), or 0600 when
//     --owner hands it to the reading user;
//   - --mode / --owner override both.

/** A new file's mode without --owner: readable by the image's uid 1000 whoever wrote it. */
export const DEFAULT_NEW_FILE_MODE = 0o644;
/** A new file's mode with --owner: the owner is then the reading user. */
export const DEFAULT_OWNED_FILE_MODE = 0o600;

export const FILE_ACCESS_OPTIONS = `  --mode OCTAL  file mode, e.g. 0600 (default: the existing file's mode; a new file gets 0644, or 0600
                with --owner); group and others may never write
  --owner UID[:GID]
                owner to give the file (root only), e.g. 1000:1000, the images' user; by default an existing
                file keeps its owner
`;

export class FileAccessError extends Error {}

export interface FileAccessRequest {
  mode?: string;
  owner?: string;
  /** Where to say that a write changed the file's owner. */
  warn?: (line: string) => void;
}

export interface FileAccess {
  mode: number;
  uid?: number;
  gid?: number;
  /** Said to the operator when the replace changes the file's owner (a non-root user rewriting another's file). */
  warning?: string;
}

export function parseMode(text: string): number {
  const digits = /^(?:0o?)?([0-7]{3})$/.exec(text.trim())?.[1];
  if (!digits)
    throw new FileAccessError(`--mode must be an octal file mode such as 0600 or 0644, not "${text}"`);
  const mode = parseInt(digits, 8);
  if (mode & 0o022)
    throw new FileAccessError(`--mode ${text} lets group or others write; use e.g. 0644 or 0640`);
  if (!(mode & 0o400)) throw new FileAccessError(`--mode ${text} does not let the owner read the file`);
  return mode;
}

export function parseOwner(text: string): { uid: number; gid?: number } {
  const match = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(text.trim());
  if (!match)
    throw new FileAccessError(`--owner must be UID or UID:GID in numbers (e.g. 1000:1000), not "${text}"`);
  return { uid: Number(match[1]), gid: match[2] === undefined ? undefined : Number(match[2]) };
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** What a write of `path` should leave: the request first, then the existing file's, then the defaults. */
export function resolveFileAccess(path: string, request: FileAccessRequest): FileAccess {
  const owner = request.owner === undefined ? undefined : parseOwner(request.owner);
  if (owner && !isRoot()) throw new FileAccessError('--owner needs root (only root may give a file away)');
  const requestedMode = request.mode === undefined ? undefined : parseMode(request.mode);
  let existing: { mode: number; uid: number; gid: number } | undefined;
  try {
    const stat = statSync(path);
    existing = { mode: stat.mode & 0o777, uid: stat.uid, gid: stat.gid };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const mode = requestedMode ?? existing?.mode ?? (owner ? DEFAULT_OWNED_FILE_MODE : DEFAULT_NEW_FILE_MODE);
  if (owner) return { mode, uid: owner.uid, gid: owner.gid ?? existing?.gid };
  // Only root can keep someone else's ownership across the replace; anyone else owns what they write.
  if (existing && isRoot()) return { mode, uid: existing.uid, gid: existing.gid };
  const uid = process.getuid?.();
  if (existing && uid !== undefined && existing.uid !== uid)
    return {
      mode,
      warning: `${path} was owned by uid ${existing.uid} and is now owned by uid ${uid} (mode ${mode.toString(8).padStart(4, '0')}); run as root, or with --owner, to keep the owner`,
    };
  return { mode };
}

/** Replaces the file atomically (temp file + rename in the same directory) with the mode and owner resolved above. */
export function writeOperatorFile(path: string, text: string, request: FileAccessRequest): void {
  const access = resolveFileAccess(path, request);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    // Created owner-only, then widened: the content is never readable by others before its owner is set.
    writeFileSync(tmp, text, { mode: 0o600 });
    if (access.uid !== undefined) chownSync(tmp, access.uid, access.gid ?? -1);
    chmodSync(tmp, access.mode);
    renameSync(tmp, path);
    if (access.warning) request.warn?.(access.warning);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
