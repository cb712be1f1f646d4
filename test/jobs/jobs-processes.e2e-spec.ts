import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTestDatabase, repoRoot } from '../support/databases';
import { until } from './jobs-support';

// The built processes as an operator runs them: the API runs the jobs itself on the embedded
// database, the worker runs them on a server, and `jobs status` shows what ran.
const api = path.join(repoRoot, 'dist', 'apps', 'api', 'main.js');
const worker = path.join(repoRoot, 'dist', 'apps', 'worker', 'main.js');
const cli = path.join(repoRoot, 'dist', 'apps', 'cli', 'main.js');
const baseEnv = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn' };
const MAINTENANCE = ['ai.drift', 'ai.prediction-partitions', 'ai.prediction-retention', 'ai.seal-predictions', 'analytics.exports', 'analytics.partitions-ahead', 'analytics.retention', 'audit.partitions-ahead', 'audit.signed-checkpoints', 'backup.scheduled', 'billing.expire-subscriptions', 'compliance.rescreen', 'hr.retention-proposals', 'idempotency.expire-records', 'workflow.action', 'workflow.reconcile', 'workflow.timer', 'workflow.trigger'];

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(build.stderr);
});

const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const freePort = () => 20000 + Math.floor(Math.random() * 20000);
const scrape = (port: number) => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
const completed = (text: string, job: string) => new RegExp(`^job_runs_total\\{job_name="${job.replace('.', '\\.')}",outcome="completed"\\} [1-9]`, 'm').test(text);

function start(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [script], { cwd: repoRoot, env: { ...baseEnv, ...env }, stdio: 'ignore' });
  children.push(child);
  const exit = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  return { child, stop: () => (child.kill('SIGTERM'), exit) };
}

function runCli(args: string[], env: Record<string, string>): { code: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, lines: r.stdout.trim().split('\n') };
}
const jobsStatus = (env: Record<string, string>) => runCli(['jobs', 'status'], env);

describe('jobs in the running processes', () => {
  it('on the embedded database the API runs the maintenance jobs, and jobs status shows them afterwards', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'maple-jobs-api-'));
    try {
      const port = freePort();
      const env = { PORT: String(port), DATA_DIR: dataDir };
      const p = start(api, env);
      // A fresh data folder is created and migrated first; on a loaded machine that takes a while.
      await until(() => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false), 90_000);
      // The partitions job runs once at start, and the every-minute cron fires for the current minute.
      await until(async () => {
        const text = await scrape(port);
        return completed(text, 'audit.partitions-ahead') && completed(text, 'billing.expire-subscriptions');
      }, 60_000);
      expect(await p.stop()).toBe(0);
      // With the API stopped, the CLI may open the data folder.
      const status = jobsStatus(env);
      expect(status.code).toBe(0);
      expect(status.lines[0]).toMatch(/^JOB +CRON \(UTC\) +LAST RUN/);
      expect(status.lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(MAINTENANCE);
      expect(status.lines.find((l) => l.startsWith('audit.partitions-ahead'))).toMatch(/0 \*\/6 \* \* \* +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +completed/);
      expect(status.lines.find((l) => l.startsWith('billing.expire-subscriptions'))).toMatch(/\* \* \* \* \* +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +completed/);
      const doctor = runCli(['doctor'], env);
      expect(doctor.lines).toEqual(expect.arrayContaining([`ok    jobs: ${MAINTENANCE.length} job(s), none failed in the last 24 h (npm run cli -- jobs status)`, expect.stringMatching(/^note {2}slow queries: not available: pg_stat_statements is not installed/)]));
      expect(doctor.code).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 200_000);

  (process.env.TEST_DATABASE_URL ? it : it.skip)('on PostgreSQL the worker runs them and serves their metrics; jobs status works beside it', async () => {
    const t = await openTestDatabase('postgres');
    try {
      const metricsPort = freePort();
      const env = { DATABASE_URL: t.url ?? '', WORKER_METRICS_PORT: String(metricsPort), HOST: '127.0.0.1' };
      const w = start(worker, env);
      await until(async () => completed(await scrape(metricsPort), 'audit.partitions-ahead'), 60_000);
      const text = await scrape(metricsPort);
      expect(text).toContain("# TYPE projection_lag_events gauge");
      expect(text).toMatch(/^job_queue_depth\{job_name="compliance\.rescreen",state="queued"\} \d/m);
      const status = jobsStatus({ DATABASE_URL: t.url ?? '' });
      expect(status.code).toBe(0);
      expect(status.lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(MAINTENANCE);
      const doctor = runCli(['doctor'], { DATABASE_URL: t.url ?? '' });
      expect(doctor.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^(note {2}slow queries: not available: .*shared_preload_libraries|ok {4}slow queries: )/)]));
      expect(await w.stop()).toBe(0);
    } finally {
      await t.close();
    }
  }, 120_000);
});
