import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { NestFactory } from '@nestjs/core';
import { Database, Jobs, Metrics, loadConfig } from '@maple/platform';
import type { JobDefinition, JobsTimings } from '@maple/platform';
import { FAST, until, sleep } from './jobs-support';
import { AppModule } from '../../apps/api/app.module';
import { jobStatusLines } from '../../apps/cli/commands/jobs';
import { databaseTargets, migrationPaths, openTestDatabase, repoRoot } from '../support/databases';
import type { TestDatabase } from '../support/databases';

const metricsOf = new WeakMap<Jobs, Metrics>();

function jobsOn(t: { db: Database; config: TestDatabase['config'] }, defs: JobDefinition[], timings: JobsTimings = FAST): Jobs {
  const metrics = new Metrics(t.db);
  const jobs = new Jobs(t.db, metrics, t.config, timings);
  metricsOf.set(jobs, metrics);
  for (const d of defs) jobs.register(d);
  return jobs;
}

const scrape = (jobs: Jobs) => metricsOf.get(jobs)!.registry.metrics();

for (const target of databaseTargets()) {
  describe(`durable jobs [${target}]`, () => {
    let t: TestDatabase;
    const running: Jobs[] = [];
    const start = async (jobs: Jobs) => {
      running.push(jobs);
      await jobs.start({ work: true });
      return jobs;
    };

    beforeAll(async () => {
      t = await openTestDatabase(target);
    });
    afterEach(async () => {
      for (const j of running.splice(0)) await j.stop();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('retries a failing job with exponential backoff until it succeeds', async () => {
      const attempts: { attempt: number; at: number }[] = [];
      const jobs = await start(
        jobsOn(t, [
          {
            name: 'test.flaky',
            retry: { limit: 3, delaySeconds: 1, backoff: true },
            async handler(_p, run) {
              attempts.push({ attempt: run.attempt, at: Date.now() });
              if (run.attempt < 3) throw new Error(`flaky failure ${run.attempt}`);
              return 'third time lucky';
            },
          },
        ]),
      );
      await jobs.schedule('test.flaky');
      await until(() => attempts.length === 3, 20_000);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      // Backoff doubles the delay (with jitter): at least 1 s, then at least 2 s. A fixed
      // delay of 1 s would fail the second bound.
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(950);
      expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(1950);
      await until(async () => (await jobs.status()).find((s) => s.name === 'test.flaky')?.lastOutcome === 'completed', 5000);
      const status = (await jobs.status()).find((s) => s.name === 'test.flaky');
      expect(status).toMatchObject({ lastOutcome: 'completed', retrying: 0, failedLast24h: 0 });
      const metrics = await scrape(jobs);
      expect(metrics).toContain('job_runs_total{job_name="test.flaky",outcome="failed"} 2');
      expect(metrics).toContain('job_runs_total{job_name="test.flaky",outcome="completed"} 1');
    });

    it('reports a job that used up its retries in jobs status and the metrics, with the message and no stack', async () => {
      const jobs = await start(
        jobsOn(t, [
          {
            name: 'test.broken',
            retry: { limit: 1, delaySeconds: 1, backoff: false },
            async handler() {
              throw new Error('the ledger is locked\n    at secretFunction (/srv/app.js:1:1)');
            },
          },
        ]),
      );
      await jobs.schedule('test.broken');
      await until(async () => (await jobs.status()).find((s) => s.name === 'test.broken')?.failedLast24h === 1, 20_000);
      const status = (await jobs.status()).find((s) => s.name === 'test.broken');
      expect(status).toMatchObject({ lastOutcome: 'failed', lastError: 'the ledger is locked', queued: 0, retrying: 0 });
      const stored = await t.superuser(`SELECT output::text AS o FROM pgboss.job WHERE name = 'test.broken'`);
      expect(String(stored[0].o)).not.toContain('secretFunction');
      const lines = jobStatusLines(await jobs.status());
      expect(lines[0]).toMatch(/^JOB +CRON \(UTC\) +LAST RUN +OUTCOME +NEXT RUN/);
      expect(lines.find((l) => l.startsWith('test.broken'))).toMatch(/on demand .* failed .* 1 +the ledger is locked$/);
      expect(await scrape(jobs)).toMatch(/job_queue_depth\{job_name="test.broken",state="failed"\} 1/);
    });

    it('retries a run left active by a process that died, once its timeout has passed', async () => {
      const attempts: number[] = [];
      const def: JobDefinition = { name: 'test.orphan', timeoutSeconds: 2, retry: { limit: 2, delaySeconds: 1, backoff: false }, handler: async (_p, run) => void attempts.push(run.attempt) };
      const scheduler = jobsOn(t, [def]);
      running.push(scheduler);
      await scheduler.start({ work: false });
      const id = await scheduler.schedule('test.orphan');
      // What a process killed mid-run leaves behind: the run active, started a while ago.
      await t.superuser(`UPDATE pgboss.job SET state = 'active', started_on = now() - interval '1 minute' WHERE id = $1`, [id]);
      const survivor = await start(jobsOn(t, [def], { ...FAST, maintenanceSeconds: 1 }));
      await until(() => attempts.length > 0, 15_000);
      expect(attempts).toEqual([2]);
      await until(async () => (await survivor.status()).find((s) => s.name === 'test.orphan')?.lastOutcome === 'completed', 5000);
    });

    it('runs a job scheduled twice with one singleton key once', async () => {
      const runs: unknown[] = [];
      const jobs = await start(jobsOn(t, [{ name: 'test.sla', handler: async (p) => void runs.push(p) }]));
      const runAt = new Date(Date.now() + 1500);
      const a = await jobs.schedule('test.sla', { step: 's1' }, { runAt, singletonKey: 'workflow-1/step-1' });
      const b = await jobs.schedule('test.sla', { step: 's1-again' }, { runAt, singletonKey: 'workflow-1/step-1' });
      const other = await jobs.schedule('test.sla', { step: 's2' }, { runAt, singletonKey: 'workflow-1/step-2' });
      expect(b).toBe(a);
      expect(other).not.toBe(a);
      await until(() => runs.length === 2, 10_000);
      await sleep(1500);
      expect(runs).toEqual(expect.arrayContaining([{ step: 's1' }, { step: 's2' }]));
      expect(runs).toHaveLength(2);
      // Once it has run, the key is free for the next timer of that step.
      await jobs.schedule('test.sla', { step: 's1-later' }, { singletonKey: 'workflow-1/step-1' });
      await until(() => runs.length === 3, 10_000);
    });
  });
}

// A restart: the first process schedules a timer and stops before it is due; the second one,
// started from the same data, fires it exactly once.
for (const target of databaseTargets()) {
  describe(`a delayed job survives a restart [${target}]`, () => {
    it('fires once, after the restart, not before', async () => {
      const fired: { who: string; at: number; payload: unknown }[] = [];
      const timer = (who: string): JobDefinition => ({ name: 'test.timer', handler: async (p) => void fired.push({ who, at: Date.now(), payload: p }) });
      const life = await openLife(target);
      try {
        const first = jobsOn(await life.open(), [timer('first')]);
        await first.start({ work: true });
        const runAt = Date.now() + 5000;
        await first.schedule('test.timer', { sla: 'review within 24h' }, { runAt: new Date(runAt) });
        await first.stop();
        await life.restart();
        const restartedInTime = Date.now() < runAt;
        const second = jobsOn(await life.open(), [timer('second')]);
        await second.start({ work: true });
        try {
          await until(() => fired.length > 0, 20_000);
          await sleep(2000);
          expect(fired).toEqual([{ who: expect.any(String), at: expect.any(Number), payload: { sla: 'review within 24h' } }]);
          expect(fired[0].at).toBeGreaterThanOrEqual(runAt);
          // Only a machine too slow to restart within 5 s lets the first process fire it (on time).
          if (restartedInTime) expect(fired[0].who).toBe('second');
          expect((await second.status()).find((s) => s.name === 'test.timer')).toMatchObject({ lastOutcome: 'completed', queued: 0 });
        } finally {
          await second.stop();
        }
      } finally {
        await life.close();
      }
    });
  });
}

// The embedded database restarts from its data folder; the server keeps the data and the
// "process" is a new queue with a new connection pool.
async function openLife(target: 'embedded' | 'postgres') {
  if (target === 'postgres') {
    const t = await openTestDatabase('postgres');
    return { open: async () => t, restart: async () => undefined, close: () => t.close() };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'maple-jobs-'));
  const dump = process.env.MAPLE_TEST_PGLITE_DUMP;
  let lite: PGlite | undefined = await PGlite.create({ dataDir: dir, ...(dump ? { loadDataDir: new Blob([await readFile(dump)]) } : {}) });
  let db: Database | undefined;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  return {
    open: async () => {
      lite ??= await PGlite.create({ dataDir: dir });
      db = await Database.open({ config, pglite: lite, paths: migrationPaths, migrate: !dump });
      return { db, config };
    },
    restart: async () => {
      await db?.close();
      await lite?.close();
      lite = undefined;
    },
    close: async () => {
      await db?.close();
      if (lite && !lite.closed) await lite.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

(process.env.TEST_DATABASE_URL ? describe : describe.skip)('the job queue in the application [postgres]', () => {
  it('starts with the application and releases its connections when the application closes', async () => {
    const t = await openTestDatabase('postgres');
    const connections = async () => Number((await t.superuser(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'maple-jobs'`))[0].n);
    try {
      const app = await NestFactory.createApplicationContext(AppModule.register({ config: t.config, database: t.db, ownsDatabase: false }), { logger: false });
      await app.init();
      const jobs = app.get(Jobs);
      jobs.register({ name: 'test.noop', handler: async () => 'nothing' });
      await jobs.start({ work: true });
      expect(await connections()).toBeGreaterThan(0);
      await app.close();
      await until(async () => (await connections()) === 0, 5000);
    } finally {
      await t.close();
    }
  });
});

(process.env.TEST_DATABASE_URL ? describe : describe.skip)('a worker killed mid-run [postgres]', () => {
  it('leaves its run to another worker, which retries it after the timeout', async () => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
    expect(build.status).toBe(0);
    const t = await openTestDatabase('postgres');
    const attempts: number[] = [];
    const def: JobDefinition = { name: 'test.crash', timeoutSeconds: 3, retry: { limit: 2, delaySeconds: 1, backoff: false }, handler: async (_p, run) => void attempts.push(run.attempt) };
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'test', 'fixtures', 'job-worker.js')], { env: { ...process.env, DATABASE_URL: t.url }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    const survivor = jobsOn(t, [def], { ...FAST, maintenanceSeconds: 1 });
    try {
      await until(() => out.includes('started'), 20_000);
      const scheduler = jobsOn(t, [def]);
      await scheduler.start({ work: false });
      await scheduler.schedule('test.crash');
      await scheduler.stop();
      await until(() => out.includes('running 1'), 10_000);
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      await survivor.start({ work: true });
      await until(() => attempts.length > 0, 20_000);
      expect(attempts).toEqual([2]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await survivor.stop();
      await t.close();
    }
  }, 60_000);
});
