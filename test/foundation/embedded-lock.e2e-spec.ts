import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedDatabaseInUseError, LOCK_FILE, currentProcess, lockFolder, openEmbeddedFolder } from '@maple/platform';
import type { LockHolder } from '@maple/platform';
import { repoRoot } from '../support/databases';
import { builtProcesses } from '../support/processes';

// The lock that gives an embedded data folder one owner (libs/platform/src/database/embedded-lock.ts),
// raced by real processes: a crashed owner's lock is taken over, and of racers exactly one wins.

const contender = path.join(repoRoot, 'dist', 'test', 'fixtures', 'lock-contender.js');
const processes = builtProcesses();
const folder = () => processes.tempDir('maple-lock-');

type Contender = { child: ChildProcess; output: () => string; exited: Promise<string> };

function start(dir: string, at: number, hold: number | 'until-term'): Contender {
  const child = spawn(process.execPath, [contender, dir, String(at), String(hold)], { stdio: ['ignore', 'pipe', 'pipe'] });
  processes.track(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  // 'close', not 'exit': a process can exit before its last stdout chunk reached us.
  const exited = new Promise<string>((resolve) => child.on('close', () => resolve(out.trim())));
  return { child, output: () => out.trim(), exited };
}

/**
 * Eight processes try at the same moment; a winner holds until every loser has tried and given
 * up, so two winners could only mean two holders at once.
 */
async function race(dir: string): Promise<{ winners: string[]; losers: string[] }> {
  const at = Date.now() + 5000;
  const all = Array.from({ length: 8 }, () => start(dir, at, 'until-term'));
  const losers: string[] = [];
  for (;;) {
    const done = all.filter((c) => c.child.exitCode !== null);
    const holding = all.filter((c) => c.child.exitCode === null && c.output().endsWith('held'));
    if (done.length + holding.length === all.length) {
      losers.push(...(await Promise.all(done.map((c) => c.exited))));
      for (const c of holding) c.child.kill('SIGTERM');
      return { winners: await Promise.all(holding.map((c) => c.exited)), losers };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A lock record as this process would write it, with some fields changed. */
function plantLock(dir: string, changes: Partial<LockHolder>): LockHolder {
  const st = statSync(dir);
  const holder: LockHolder = { ...currentProcess(), process: 'maple-api', folder: `${st.dev}:${st.ino}`, nonce: 'ab'.repeat(16), since: new Date().toISOString(), socketDir: null, ...changes };
  writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(holder));
  return holder;
}

describe('the embedded folder lock', () => {
  it('lets exactly one of eight processes racing for a free folder take it', async () => {
    const dir = folder();
    const { winners, losers } = await race(dir);
    expect(winners).toEqual(['held']);
    expect(losers).toHaveLength(7);
    for (const l of losers) expect(l).toMatch(/^busy \d+$/);
    expect(readdirSync(dir)).toEqual([]);
  }, 90_000);

  it('hands the lock of a killed owner to exactly one of eight racers: one deletes it, one wins, no debris', async () => {
    const dir = folder();
    const owner = start(dir, 0, 'until-term');
    for (let i = 0; i < 600 && owner.output() !== 'held'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(owner.output()).toBe('held');
    owner.child.kill('SIGKILL');
    await owner.exited;
    const stale = JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as LockHolder;
    expect(stale.pid).toBe(owner.child.pid);

    const { winners, losers } = await race(dir);
    const lines = [...winners, ...losers].flatMap((o) => o.split('\n'));
    expect(lines.filter((l) => l === 'held')).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('deleted'))).toEqual([`deleted the stale lock of ${stale.pid}`]);
    expect(losers).toHaveLength(7);
    for (const l of losers) expect(l).toMatch(/^(deleted the stale lock of \d+\n)?busy \d+$/);
    expect(losers.join('\n')).not.toContain(`busy ${stale.pid}`);
    expect(readdirSync(dir)).toEqual([]);
  }, 90_000);

  it('is held against a second opener in the same process', async () => {
    const dir = folder();
    const first = await lockFolder(dir, 'first');
    const second = await lockFolder(dir, 'second');
    expect('held' in first).toBe(true);
    expect(second).toMatchObject({ holder: { pid: process.pid, process: 'first' } });
    if ('held' in first) first.held.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  (process.platform === 'linux' ? it : it.skip)('tells a live owner from a new process that was given its pid (Linux: start times from /proc)', async () => {
    const dir = folder();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    processes.track(sleeper);
    const startTime = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
    plantLock(dir, { pid: sleeper.pid, startTime });
    expect(await lockFolder(dir, 'second')).toMatchObject({ holder: { pid: sleeper.pid } });
    plantLock(dir, { pid: sleeper.pid, startTime: String(Number(startTime) - 1) });
    const deleted: number[] = [];
    const reused = await lockFolder(dir, 'second', { onStale: (h) => deleted.push(h.pid) });
    expect('held' in reused).toBe(true);
    expect(deleted).toEqual([sleeper.pid]);
    if ('held' in reused) reused.held.release();
    sleeper.kill('SIGKILL');
  });

  it('takes over the lock of an owner from before a reboot, and of a copy of the folder (a restored backup)', async () => {
    const dir = folder();
    const me = currentProcess();
    plantLock(dir, me.bootId ? { bootId: '00000000-0000-0000-0000-000000000000' } : { bootTime: me.bootTime - 86_400 });
    const afterReboot = await lockFolder(dir, 'next');
    expect('held' in afterReboot).toBe(true);
    if ('held' in afterReboot) afterReboot.held.release();
    plantLock(dir, { folder: '1:1' });
    const inCopy = await lockFolder(dir, 'next');
    expect('held' in inCopy).toBe(true);
    if ('held' in inCopy) inCopy.held.release();
  });

  it("respects another host's lock, since it cannot be checked, and says whose it is", async () => {
    const dir = folder();
    plantLock(dir, { host: 'elsewhere', pid: 4242 });
    const err = await openEmbeddedFolder(dir, { processName: 'maple-api', whenInUse: 'fail' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(EmbeddedDatabaseInUseError);
    expect((err as Error).message).toBe(`the embedded database in ${dir} is in use by process 4242 (maple-api) on host elsewhere; stop that process first, or give this one another DATA_DIR (the CLI can run beside it)`);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it('refuses an unreadable lock file, unless it was written before this boot', async () => {
    const dir = folder();
    const file = path.join(dir, LOCK_FILE);
    writeFileSync(file, 'not a lock');
    expect(await lockFolder(dir, 'next')).toMatchObject({ holder: null, unreadable: true });
    const longAgo = new Date('2000-01-01T00:00:00Z');
    utimesSync(file, longAgo, longAgo);
    const taken = await lockFolder(dir, 'next');
    expect('held' in taken).toBe(true);
    if ('held' in taken) taken.held.release();
  });
});
