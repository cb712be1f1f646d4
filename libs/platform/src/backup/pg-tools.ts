import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BackupError } from './backup.errors';

export type PgTool = 'pg_dump' | 'pg_restore';

const DEBIAN_ROOT = '/usr/lib/postgresql';

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The major version a client binary reports (`pg_dump (PostgreSQL) 15.20 ...` -> 15), or null. */
async function majorOf(file: string): Promise<number | null> {
  const child = spawn(file, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await exited(child);
  const m = /\(PostgreSQL\)\s+(\d+)/.exec(out);
  return code === 0 && m ? Number(m[1]) : null;
}

async function candidates(binDir: string | undefined): Promise<string[]> {
  if (binDir) return [binDir];
  // Debian and Ubuntu keep each major version's clients apart; the newest reads older servers.
  // '' stands for the bare name, which the system looks up on PATH.
  const versions = await readdir(DEBIAN_ROOT).catch(() => [] as string[]);
  const debian = versions
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(DEBIAN_ROOT, v, 'bin'));
  return [...debian, ''];
}

/**
 * Finds `tool` of PostgreSQL `serverMajor` or newer (pg_dump refuses a newer server than
 * itself): in `binDir` when configured, else the newest /usr/lib/postgresql/N/bin, else PATH.
 */
export async function findPgTool(tool: PgTool, binDir: string | undefined, serverMajor: number): Promise<string> {
  const tooOld: string[] = [];
  for (const dir of await candidates(binDir)) {
    const file = dir ? path.join(dir, tool) : tool;
    if (dir && !(await executable(file))) continue;
    const major = await majorOf(file);
    if (major !== null && major >= serverMajor) return file;
    if (major !== null) tooOld.push(`${file} (${major})`);
  }
  const where = binDir ? `in PG_BIN_DIR (${binDir})` : `in ${DEBIAN_ROOT}/*/bin or on PATH`;
  throw new BackupError(
    'BACKUP.TOOL_MISSING',
    `${tool} of PostgreSQL ${serverMajor} or newer was not found ${where}${tooOld.length ? `; too old: ${tooOld.join(', ')}` : ''}. ` +
      `Install the PostgreSQL client (Debian: apt-get install postgresql-client-${serverMajor}) or set PG_BIN_DIR.`,
  );
}

/**
 * How a client binary reaches `url` without the password on its command line (where `ps` shows
 * it): the URL without password as --dbname, naming a password file of its own (mode 0600) that
 * `cleanup` removes.
 */
export async function libpqTarget(url: string): Promise<{ dbname: string; cleanup(): Promise<void> }> {
  const u = new URL(url);
  if (!u.password) return { dbname: url, cleanup: async () => undefined };
  const password = decodeURIComponent(u.password);
  u.password = '';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'maple-pgpass-'));
  const file = path.join(dir, 'pgpass');
  // One line matching any host, port, database and user; ':' and '\' are escaped.
  await writeFile(file, `*:*:*:*:${password.replace(/([\\:])/g, '\\$1')}\n`, { mode: 0o600 });
  u.searchParams.set('passfile', file);
  return { dbname: u.toString(), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Resolves with the exit code (a signal counts as failure). */
export function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('close', (code) => resolve(code ?? -1));
  });
}

/** Collects a child's stderr, bounded, for the one line an operator needs when it fails. */
export function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (text.length < 64 * 1024) text += d.toString();
  });
  return () => text;
}

/**
 * The first error line of pg_dump's or pg_restore's output, without the SQL it quotes
 * ("Command was: ...") or its connection string.
 */
export function firstError(stderr: string, tool: PgTool): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const line = lines.find((l) => l.startsWith(`${tool}: error:`)) ?? lines.find((l) => /error/i.test(l)) ?? '';
  const clean = line
    .replace(/^\S+: error: /, '')
    .replace(/Command was:.*$/, '')
    .replace(/postgres(ql)?:\/\/\S+/g, '(database)')
    .slice(0, 500);
  return clean || `${tool} failed without saying why`;
}
