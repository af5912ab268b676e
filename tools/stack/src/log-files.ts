import { fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One append-only log file per process, readable by the owner only (0600): logs can hold addresses, user
 * names and repository names. A file left with another mode (an older run, a copy) is tightened on open.
 */
export class LogFiles {
  private readonly fds = new Map<string, number>();

  constructor(readonly dir: string) {}

  pathOf(source: string): string {
    return join(this.dir, `${source}.log`);
  }

  append(source: string, line: string): void {
    writeSync(this.fdOf(source), `${line}\n`);
  }

  private fdOf(source: string): number {
    let fd = this.fds.get(source);
    if (fd === undefined) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      fd = openSync(this.pathOf(source), 'a', 0o600);
      fchmodSync(fd, 0o600);
      this.fds.set(source, fd);
    }
    return fd;
  }
}
