import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTestDatabase, repoRoot } from '../support/databases';

// These run the built processes the way an operator does: `npm start` is build + this.
const api = path.join(repoRoot, 'dist', 'apps', 'api', 'main.js');
const cli = path.join(repoRoot, 'dist', 'apps', 'cli', 'main.js');
const worker = path.join(repoRoot, 'dist', 'apps', 'worker', 'main.js');
const baseEnv = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn' };

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(build.stderr);
});

function runToExit(env: Record<string, string>, script = api): { code: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [script], { cwd: repoRoot, env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

async function waitReady(port: number, ms: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false);
    if (ok) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready within ${ms} ms`);
}

// A failing assertion must not leave a server running.
const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function freePort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

describe('process boot', () => {
  it('PORT=abc ends with one clear line naming PORT and exit code 1', () => {
    const r = runToExit({ PORT: 'abc' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/PORT must be a whole number/);
  });

  it.each([
    ['JWT_SECRET', {}],
    ['AUDIT_SIGNING_KEY', { JWT_SECRET: 's'.repeat(40) }],
  ])('in production, a missing %s stops the boot with one line naming it, and exit code 1', (name, keys) => {
    const r = runToExit({ NODE_ENV: 'production', ...keys });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^maple-api: Invalid configuration: ${name} is required in production`));
  });

  it('TRUST_PROXY=true stops the boot with one line: trusting every client is refused', () => {
    const r = runToExit({ TRUST_PROXY: 'true' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/TRUST_PROXY .*would trust X-Forwarded-For from any client/);
  });

  it.each([
    ['API', api],
    ['worker', worker],
  ])('the %s in production without PII_KEKS ends with one line naming PII_KEKS, and exit code 1', (_name, script) => {
    const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const r = runToExit({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48), AUDIT_SIGNING_KEY: signingKey, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere' }, script);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/PII_KEKS is required in production/);
  });

  it.each([
    ['API', api],
    ['worker', worker],
  ])('an unreachable DATABASE_URL ends the %s with one line that says why, and exit code 1', (_name, script) => {
    const r = runToExit({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere', DB_ACQUIRE_TIMEOUT_MS: '2000' }, script);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^maple-(api|worker): database unavailable: cannot reach 127\.0\.0\.1:1\/nowhere: connection refused/);
  });

  it('the worker without DATABASE_URL says it needs a PostgreSQL server, and exits 1', () => {
    const r = runToExit({}, worker);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^maple-worker: the worker needs DATABASE_URL/);
  });

  it('starts on the embedded database (warning once about missing keys, metrics on METRICS_PORT only), stops on SIGTERM, and keeps its data across a restart', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'maple-boot-'));
    try {
      const port = freePort();
      const metricsPort = port + 1;
      const env = { ...baseEnv, PORT: String(port), DATA_DIR: dataDir };
      // The first run also has metrics on a port of their own, and no signing keys.
      const first = spawn(process.execPath, [api], { cwd: repoRoot, env: { ...env, METRICS_PORT: String(metricsPort), METRICS_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'ignore'] });
      children.push(first);
      let out = '';
      first.stdout?.on('data', (b: Buffer) => (out += b.toString()));
      await waitReady(port, 90_000);
      const docs = (await fetch(`http://127.0.0.1:${port}/docs-json`).then((r) => r.json())) as { openapi: string };
      expect(docs.openapi).toMatch(/^3\./);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/^db_pool_connections_max \d+/m);
      const exit = new Promise<number | null>((res) => first.on('close', (c) => res(c)));
      first.kill('SIGTERM');
      expect(await exit).toBe(0);
      // Without JWT_SECRET and AUDIT_SIGNING_KEY (not production): one warning that says so.
      const warnings = out.split('\n').filter((l) => /JWT_SECRET|AUDIT_SIGNING_KEY/.test(l));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, msg: expect.stringMatching(/^JWT_SECRET and AUDIT_SIGNING_KEY not set/) });

      // Data written between runs (by the seed command) is there after the restart.
      const seed = spawnSync(process.execPath, [cli, 'seed'], { cwd: repoRoot, env: { ...env }, encoding: 'utf8' });
      expect(seed.status).toBe(0);
      const second = spawn(process.execPath, [api], { cwd: repoRoot, env, stdio: 'ignore' });
      children.push(second);
      await waitReady(port, 90_000);
      const exit2 = new Promise<number | null>((res) => second.on('exit', (c) => res(c)));
      second.kill('SIGTERM');
      expect(await exit2).toBe(0);
      const doctor = spawnSync(process.execPath, [cli, 'doctor'], { cwd: repoRoot, env, encoding: 'utf8' });
      expect(doctor.stdout).toMatch(/migrations: all applied/);
      expect(doctor.status).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);

  (process.env.TEST_DATABASE_URL ? it : it.skip)('the worker starts on PostgreSQL and stops cleanly on SIGTERM (exit 0)', async () => {
    const t = await openTestDatabase('postgres');
    try {
      const w = spawn(process.execPath, [worker], { cwd: repoRoot, env: { ...baseEnv, LOG_LEVEL: 'info', DATABASE_URL: t.url ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(w);
      let out = '';
      w.stdout?.on('data', (b: Buffer) => (out += b.toString()));
      const exit = new Promise<number | null>((res) => w.on('close', (c) => res(c)));
      for (let i = 0; i < 300 && !out.includes('worker started'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('worker started');
      w.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(out).toContain('worker stopped');
    } finally {
      await t.close();
    }
  }, 60_000);

  (process.env.TEST_DATABASE_URL ? it : it.skip)('in production, the API and the worker refuse a superuser login with one line, and start with a plain login role', async () => {
    const t = await openTestDatabase('postgres');
    const login = `maple_login_${Date.now().toString(36)}`;
    try {
      const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const prod = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48), AUDIT_SIGNING_KEY: signingKey, PII_KEKS: `k1:${randomBytes(32).toString('base64')}`, DATABASE_URL: t.url ?? '' };
      for (const script of [api, worker]) {
        const r = runToExit(prod, script);
        expect(r.code).toBe(1);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/refusing to start in production: the database login "postgres" is a superuser/);
      }
      // The documented login: no SUPERUSER, no BYPASSRLS, a member of the two application roles.
      await t.superuser(`CREATE ROLE ${login} LOGIN NOINHERIT IN ROLE maple_app, maple_system`);
      // The job queue (pg-boss) creates its schema pgboss at its first start, as this login.
      await t.superuser(`GRANT CREATE ON DATABASE "${new URL(t.url ?? '').pathname.slice(1)}" TO ${login}`);
      const u = new URL(t.url ?? '');
      u.username = login;
      const w = spawn(process.execPath, [worker], { cwd: repoRoot, env: { ...baseEnv, ...prod, LOG_LEVEL: 'info', DATABASE_URL: u.toString() }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(w);
      let out = '';
      w.stdout?.on('data', (b: Buffer) => (out += b.toString()));
      const exit = new Promise<number | null>((res) => w.on('exit', (c) => res(c)));
      for (let i = 0; i < 300 && !out.includes('worker started') && w.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('worker started');
      w.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      await t.close();
      const admin = await openTestDatabase('postgres');
      await admin.superuser(`DROP OWNED BY ${login}; DROP ROLE IF EXISTS ${login}`).catch(() => undefined);
      await admin.close();
    }
  }, 90_000);
});
