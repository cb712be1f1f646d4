import { mkdirSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockFolder } from './embedded-lock';
import type { FolderLock, LockAttempt, LockHolder } from './embedded-lock';
import { EmbeddedServer, SOCKET_FILE } from './embedded-server';
import type { EmbeddedServerOptions } from './embedded-server';

/** How this process treats an embedded data folder that another process owns. */
export type EmbeddedAccess = {
  /** Recorded in the lock and named in the message another process gets (maple-api, maple-cli). */
  processName: string;
  /** `fail`: exit with a clear message (the API). `connect`: use it through its owner's socket (the CLI). */
  whenInUse: 'fail' | 'connect';
  /** How long to wait for an owner that is still starting to serve (ms). */
  waitForOwnerMs?: number;
  server?: EmbeddedServerOptions;
};

let processAccess: EmbeddedAccess = { processName: 'maple', whenInUse: 'fail' };

/** Sets how this process opens embedded folders; the process entry points call it once. */
export function setEmbeddedAccess(access: EmbeddedAccess): void {
  processAccess = access;
}

export class EmbeddedDatabaseInUseError extends Error {
  readonly code = 'EMBEDDED_DATABASE_IN_USE';
}

export type EmbeddedOpening = { kind: 'owner'; pglite: PGlite; owner: EmbeddedOwner } | { kind: 'client'; url: string; holder: LockHolder };

/** This process owns the folder: it holds the lock and serves the database to other processes. */
export class EmbeddedOwner {
  private server: EmbeddedServer | undefined;
  // A process that exits without closing the database (a failed boot) leaves no socket folder.
  private readonly onExit = () => removeSocketDir(this.lock.holder.socketDir);

  constructor(
    private readonly lock: FolderLock,
    private readonly options: EmbeddedServerOptions | undefined,
  ) {}

  /** Where other processes connect (`psql -h <dir> -U postgres`), once serving. */
  get socketDir(): string | undefined {
    return this.server ? (this.lock.holder.socketDir ?? undefined) : undefined;
  }

  /** Starts serving; called once the database is migrated, so clients never see a half-built schema. */
  async serve(pglite: PGlite): Promise<void> {
    const dir = this.lock.holder.socketDir;
    if (!dir || this.server) return;
    // Not recursive: the name is random, and a directory that already exists is not ours to trust.
    mkdirSync(dir, { mode: 0o700 });
    process.once('exit', this.onExit);
    this.server = await EmbeddedServer.start(pglite, dir, this.options);
  }

  /** Disconnects the clients (rolling back what they left open) before the database closes. */
  async stopServing(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
    process.removeListener('exit', this.onExit);
    removeSocketDir(this.lock.holder.socketDir);
  }

  /** Gives the folder up; called after PGlite has closed. */
  release(): void {
    this.lock.release();
  }
}

/**
 * Opens the embedded database in `dataDir` for this process: as its owner when nobody else has
 * it, or, for `whenInUse: 'connect'`, through the owner's socket (a PostgreSQL URL for the
 * server code path). Otherwise throws EmbeddedDatabaseInUseError, and the folder is not touched.
 */
export async function openEmbeddedFolder(dataDir: string, access: EmbeddedAccess = processAccess): Promise<EmbeddedOpening> {
  await mkdir(dataDir, { recursive: true });
  const deadline = Date.now() + (access.waitForOwnerMs ?? 30_000);
  for (;;) {
    // A crashed owner's socket folder goes with its lock.
    const attempt = await lockFolder(dataDir, access.processName, { socketDirFor, onStale: (old) => removeSocketDir(old.socketDir) });
    if ('held' in attempt) {
      try {
        const pglite = await PGlite.create(dataDir);
        return { kind: 'owner', pglite, owner: new EmbeddedOwner(attempt.held, access.server) };
      } catch (e) {
        attempt.held.release();
        throw e;
      }
    }
    const { holder } = attempt;
    if (access.whenInUse === 'connect' && holder?.socketDir && holder.host === os.hostname()) {
      if (await accepts(path.join(holder.socketDir, SOCKET_FILE))) return { kind: 'client', url: socketUrl(holder.socketDir), holder };
      // The owner is still starting (PGlite and migrations take seconds): wait for it, or for the lock to go.
      if (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
    }
    throw new EmbeddedDatabaseInUseError(inUseMessage(dataDir, attempt, access));
  }
}

/** The connection URL of an owner's socket: `pg` and libpq read host=<directory> as a Unix socket. */
export function socketUrl(socketDir: string): string {
  return `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;
}

function inUseMessage(dataDir: string, attempt: Exclude<LockAttempt, { held: FolderLock }>, access: EmbeddedAccess): string {
  const shown = displayPath(dataDir);
  const { holder } = attempt;
  if (!holder) {
    return `the embedded database in ${shown} is locked by ${displayPath(attempt.file)}, which cannot be read; if no Maple process uses the folder, delete that file`;
  }
  const who = `process ${holder.pid} (${holder.process})${holder.host === os.hostname() ? '' : ` on host ${holder.host}`}`;
  if (access.whenInUse === 'connect') {
    const why = holder.socketDir ? 'which did not start serving it in time' : 'which does not serve it to other processes';
    return `the embedded database in ${shown} is in use by ${who}, ${why}; wait for it to finish, or stop it`;
  }
  return `the embedded database in ${shown} is in use by ${who}; stop that process first, or give this one another DATA_DIR (the CLI can run beside it)`;
}

function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

// Unix sockets have short paths (104 bytes on macOS): a folder in the temporary directory, with
// the lock's random nonce in its name so that nobody can prepare it in advance. Not on Windows.
function socketDirFor(nonce: string): string | null {
  if (process.platform === 'win32') return null;
  const dir = path.join(os.tmpdir(), `maple-db-${nonce.slice(0, 16)}`);
  return path.join(dir, SOCKET_FILE).length < 100 ? dir : null;
}

// A socket folder of this code (and of this user), by its name and owner: never anything else.
function removeSocketDir(dir: string | null): void {
  if (!dir || path.dirname(dir) !== os.tmpdir() || !path.basename(dir).startsWith('maple-db-')) return;
  try {
    if (statSync(dir).uid !== process.getuid?.()) return;
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // already gone
  }
}

function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
