import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { bootTime, currentProcess, isGone } from './embedded-process';
import type { ProcessIdentity } from './embedded-process';

// One owner per embedded data folder. PGlite has no lock of its own: two processes that open one
// folder both write to it, and the folder is destroyed (issue 12).
//
// The lock is the file maple.lock in the folder. It is created complete or not at all: the record
// is written and flushed to a private file, then hard-linked to the lock's name, and link() fails
// when the name exists, so of two processes racing exactly one wins. The record is never changed
// afterwards.
//
// A lock whose process is gone (killed, machine rebooted; see embedded-process.ts for pid reuse)
// is stale and is taken over. Deleting it is the delicate step: two processes that both found it
// stale must not both delete "the" lock, for the second might delete the first one's new lock.
// So the right to delete a stale lock is itself a lock, named after that lock's nonce
// (maple.lock.break-<nonce>) and taken the same way. Only its winner deletes, and only if the lock
// still carries that nonce; everybody then races again to create the lock, and one wins. A breaker
// that dies leaves a stale break lock, which is broken the same way, one level down.

export const LOCK_FILE = 'maple.lock';

/** What a lock file says about its holder. Written once, when the lock is taken. */
export type LockHolder = ProcessIdentity & {
  /** maple-api, maple-cli, ... */
  process: string;
  /** `dev:ino` of the locked folder: a copy of the folder (a restored backup) carries a lock of another folder. */
  folder: string;
  nonce: string;
  since: string;
  /** Where the holder serves the database to other processes (see embedded-server.ts), if it does. */
  socketDir: string | null;
};

export type LockAttempt =
  | { held: FolderLock }
  | { holder: LockHolder; file: string }
  | { holder: null; file: string; unreadable: true };

type Seen = { kind: 'missing' } | { kind: 'holder'; holder: LockHolder; id: string } | { kind: 'unreadable'; id: string; mtimeMs: number };

const heldNonces = new Set<string>();
const MAX_DEPTH = 4;

/** A lock this process holds. `release` is idempotent; the process's exit releases it too. */
export class FolderLock {
  private released = false;
  private readonly onExit = () => this.release();

  constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {
    heldNonces.add(holder.nonce);
    process.once('exit', this.onExit);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    removeIfOurs(this.file, this.holder.nonce);
    heldNonces.delete(this.holder.nonce);
  }
}

export type LockOptions = {
  /** Where the holder will serve the database, from the lock's nonce (see embedded-folder.ts). */
  socketDirFor?: (nonce: string) => string | null;
  /** Called by the one process that deletes a stale lock (which need not be the one that then wins). */
  onStale?: (stale: LockHolder) => void;
  /** Awaited when a lock is found stale, before anything is done about it (tests widen the race with it). */
  staleSeen?: () => Promise<void>;
};

/** Takes the lock of `folder` (which must exist) for this process, or says who holds it. */
export async function lockFolder(folder: string, processName: string, opts: LockOptions = {}): Promise<LockAttempt> {
  const file = path.join(folder, LOCK_FILE);
  const folderId = identify(folder);
  const nonce = randomBytes(16).toString('hex');
  const holder: LockHolder = { ...currentProcess(), process: processName, folder: folderId, nonce, since: new Date().toISOString(), socketDir: opts.socketDirFor?.(nonce) ?? null };
  const outcome = await take(file, holder, folderId, { onStale: opts.onStale ?? (() => undefined), staleSeen: opts.staleSeen }, 0);
  if (outcome === 'held') return { held: new FolderLock(file, holder) };
  if (outcome.kind === 'holder') return { holder: outcome.holder, file };
  return { holder: null, file, unreadable: true };
}

/** The current holder of a folder's lock, whether alive or not (null: no lock, or unreadable). */
export function readLockHolder(folder: string): LockHolder | null {
  const seen = read(path.join(folder, LOCK_FILE));
  return seen.kind === 'holder' ? seen.holder : null;
}

type Hooks = { onStale: (stale: LockHolder) => void; staleSeen?: () => Promise<void> };

async function take(file: string, holder: LockHolder, folderId: string, hooks: Hooks, depth: number): Promise<'held' | Exclude<Seen, { kind: 'missing' }>> {
  if (depth > MAX_DEPTH) throw new Error(`too many broken attempts to take ${file}`);
  for (let attempt = 0; attempt < 200; attempt++) {
    if (create(file, holder)) return 'held';
    const seen = read(file);
    if (seen.kind === 'missing') continue;
    if (!isStale(seen, folderId)) return seen;
    await hooks.staleSeen?.();
    // Stale: win the right to delete exactly this lock, or let whoever has it do it.
    const breaker: LockHolder = { ...holder, nonce: randomBytes(16).toString('hex'), socketDir: null };
    const breakFile = `${file}.break-${seen.id}`;
    const won = await take(breakFile, breaker, folderId, { onStale: () => undefined }, depth + 1);
    if (won !== 'held') {
      await sleep(5 + Math.random() * 20);
      continue;
    }
    try {
      const again = read(file);
      if (again.kind !== 'missing' && again.id === seen.id) {
        unlinkSync(file);
        if (seen.kind === 'holder') hooks.onStale(seen.holder);
      }
    } finally {
      removeIfOurs(breakFile, breaker.nonce);
    }
  }
  throw new Error(`could not take ${file}: it keeps changing`);
}

function isStale(seen: Exclude<Seen, { kind: 'missing' }>, folderId: string): boolean {
  // An unreadable lock (hand-edited, or a crash of the machine in the middle of writing it) is
  // stale only if it was written before this boot: no process running now can hold it.
  if (seen.kind === 'unreadable') return seen.mtimeMs / 1000 < bootTime();
  if (seen.holder.folder !== folderId) return true;
  return isGone(seen.holder, heldNonces.has(seen.holder.nonce));
}

// Writes the record to a private file, flushes it, and links it to `file`: atomic, complete, exclusive.
function create(file: string, holder: LockHolder): boolean {
  const tmp = `${file}.${holder.nonce}.tmp`;
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(holder, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

function read(file: string): Seen {
  let text: string;
  let mtimeMs: number;
  let ino: number;
  try {
    const st = statSync(file);
    mtimeMs = st.mtimeMs;
    ino = st.ino;
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw e;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (typeof holder.nonce === 'string' && /^[0-9a-f]{32}$/.test(holder.nonce) && Number.isInteger(holder.pid) && typeof holder.folder === 'string') {
      return { kind: 'holder', holder, id: holder.nonce };
    }
  } catch {
    // falls through: not a record this code wrote
  }
  return { kind: 'unreadable', id: `i${ino}-${Math.round(mtimeMs)}`, mtimeMs };
}

// Only the holder deletes its own lock; nobody else can replace it while the holder lives.
function removeIfOurs(file: string, nonce: string): void {
  try {
    const seen = read(file);
    if (seen.kind === 'holder' && seen.holder.nonce === nonce) unlinkSync(file);
  } catch {
    // already gone
  }
}

function identify(folder: string): string {
  const st = statSync(folder);
  return `${st.dev}:${st.ino}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
