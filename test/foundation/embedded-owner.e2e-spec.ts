import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AUDIT_KEY_FILE, JWT_SECRET_FILE, LOCK_FILE } from '@maple/platform';
import type { LockHolder } from '@maple/platform';
import { repoRoot } from '../support/databases';
import { builtProcesses } from '../support/processes';

// Issue 12, as a new user meets it: the API on the embedded database in one terminal, the CLI in
// another. The built processes run exactly as `npm start` and `npm run cli` run them.

const api = path.join(repoRoot, 'dist', 'apps', 'api', 'main.js');
const cli = path.join(repoRoot, 'dist', 'apps', 'cli', 'main.js');
const baseEnv = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn' };
const PASSWORD = 'maple-demo-demo-company';
const OFFICER = 'compliance.officer@demo.maple.dev';

const processes = builtProcesses();
const tempDir = processes.tempDir;

type Proc = { child: ChildProcess; exit: Promise<number | null>; stderr: () => string; stdout: () => string };

function run(script: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  processes.track(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exit, stderr: () => err, stdout: () => out };
}

async function startApi(dataDir: string): Promise<Proc & { port: number }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const p = run(api, [], { PORT: String(port), DATA_DIR: dataDir });
  const started = Date.now();
  while (Date.now() - started < 90_000) {
    if (p.child.exitCode !== null) throw new Error(`the API exited: ${p.stderr()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false);
    if (ok) return { ...p, port };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the API was not ready within 90 s');
}

async function stop(p: Proc): Promise<number | null> {
  p.child.kill('SIGTERM');
  return p.exit;
}

async function runCli(dataDir: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = run(cli, args, { DATA_DIR: dataDir });
  const code = await p.exit;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

async function call(port: number, method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

async function signIn(port: number): Promise<string> {
  const r = await call(port, 'POST', '/auth/login', { email: OFFICER, password: PASSWORD });
  expect(r.status).toBe(200);
  return r.json.accessToken as string;
}

async function screen(port: number, token: string, name: string): Promise<{ entryId: string }[]> {
  const r = await call(port, 'POST', '/compliance/screenings', { name, minScore: 0.9 }, token);
  expect(r.status).toBe(200);
  return r.json.matches as { entryId: string }[];
}

// A snapshot with one entry that the shipped OFAC list does not have, so that its import shows.
function snapshotWithNewEntry(): string {
  const dir = tempDir('maple-ofac-');
  cpSync(path.join(repoRoot, 'data', 'sanctions', 'ofac'), dir, { recursive: true });
  const sdn = path.join(dir, 'sdn.csv');
  const text = readFileSync(sdn, 'latin1');
  writeFileSync(sdn, `${text.replace(/\s*$/, '')}\n99999999,"QUARRENDON, Ottoline","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n`, 'latin1');
  return dir;
}

describe('the embedded database has one owner, and the CLI works beside it', () => {
  it('refuses a second API on the folder with one line; the CLI seeds and imports through the running API, which shows it at once and keeps it across a restart', async () => {
    const dataDir = tempDir('maple-owner-');
    const first = await startApi(dataDir);

    const second = run(api, [], { PORT: String(first.port + 1), DATA_DIR: dataDir });
    expect(await second.exit).toBe(1);
    expect(second.stderr().trim().split('\n')).toEqual([
      `maple-api: the embedded database in ${dataDir} is in use by process ${first.child.pid} (maple-api); stop that process first, or give this one another DATA_DIR (the CLI can run beside it)`,
    ]);
    expect((await fetch(`http://127.0.0.1:${first.port}/health/ready`)).status).toBe(200);

    const seeded = await runCli(dataDir, 'seed');
    expect(seeded).toMatchObject({ code: 0, stderr: '' });
    expect(seeded.stdout).toMatch(/^Seeded /);
    const token = await signIn(first.port);
    expect(await screen(first.port, token, 'Ottoline Quarrendon')).toEqual([]);

    const imported = await runCli(dataDir, 'sanctions', 'import', snapshotWithNewEntry());
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    expect(imported.stdout).toMatch(/^Imported OFAC-SDN snapshot [0-9a-f]+: 7380 entries/);
    expect((await screen(first.port, token, 'Ottoline Quarrendon')).map((m) => m.entryId)).toContain('99999999');

    // A signed checkpoint before the restart: the next process must verify it with the same key.
    expect((await call(first.port, 'POST', '/audit/checkpoints', {}, token)).status).toBe(201);

    expect(await stop(first)).toBe(0);
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    // No JWT_SECRET / AUDIT_SIGNING_KEY in development: the keys were made once, kept in the folder.
    for (const file of [JWT_SECRET_FILE, AUDIT_KEY_FILE]) expect(statSync(path.join(dataDir, file)).mode & 0o777).toBe(0o600);
    const restarted = await startApi(dataDir);
    expect((await call(restarted.port, 'GET', '/me', undefined, token)).status).toBe(200);
    expect((await call(restarted.port, 'POST', '/audit/verify', {}, token)).json).toMatchObject({ valid: true, checkpoint: expect.any(Object) });
    const again = await signIn(restarted.port);
    expect((await screen(restarted.port, again, 'Ottoline Quarrendon')).map((m) => m.entryId)).toContain('99999999');
    const status = await runCli(dataDir, 'sanctions', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split('\n')).toHaveLength(2);
    expect(await stop(restarted)).toBe(0);
  }, 300_000);

  it('keeps every acknowledged write when the API is killed (kill -9) during a burst, and the next API takes over its stale lock', async () => {
    const dataDir = tempDir('maple-kill-');
    const first = await startApi(dataDir);
    expect((await runCli(dataDir, 'seed')).code).toBe(0);
    const token = await signIn(first.port);

    const acknowledged: string[] = [];
    let killed = false;
    const writer = async (w: number) => {
      for (let i = 0; !killed; i++) {
        const body = { type: 'AML', data: { counterparty: `Burst ${w}-${i}`, amount: '1200.00', currency: 'EUR', country: 'DE', channel: 'wire' } };
        const r = await call(first.port, 'POST', '/compliance/records', body, token).catch(() => null);
        if (!r) return;
        if (r.status === 201) acknowledged.push(r.json.id as string);
        if (acknowledged.length >= 90 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
    await first.exit;
    expect(acknowledged.length).toBeGreaterThanOrEqual(90);
    const stale = JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')) as LockHolder;
    expect(stale.pid).toBe(first.child.pid);

    const next = await startApi(dataDir);
    const holder = JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')) as LockHolder;
    expect(holder.pid).toBe(next.child.pid);
    const again = await signIn(next.port);
    const missing: string[] = [];
    for (const id of acknowledged) if ((await call(next.port, 'GET', `/compliance/records/${id}`, undefined, again)).status !== 200) missing.push(id);
    expect(missing).toEqual([]);
    expect(await stop(next)).toBe(0);
  }, 300_000);
});
