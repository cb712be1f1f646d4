import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './databases';

/**
 * For suites that run the built processes: builds dist/ first, and afterwards kills every child
 * still running (a failing assertion must not leave a server behind) and removes the temporary
 * folders it handed out.
 */
export function builtProcesses(): { track(child: ChildProcess): ChildProcess; tempDir(prefix: string): string } {
  const children: ChildProcess[] = [];
  const folders: string[] = [];
  beforeAll(() => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(build.stderr);
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const f of folders) rmSync(f, { recursive: true, force: true });
  });
  return {
    track: (child) => {
      children.push(child);
      return child;
    },
    tempDir: (prefix) => {
      const d = mkdtempSync(path.join(os.tmpdir(), prefix));
      folders.push(d);
      return d;
    },
  };
}
