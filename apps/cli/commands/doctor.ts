import { Database, describeDatabase, readJobStatus, slowQueries } from '@maple/platform';
import type { CliCommand } from '../main';

export const doctor: CliCommand = {
  usage: 'doctor',
  summary: 'check configuration, database, migrations and jobs; list the slowest statements',
  async run(_args, config) {
    const out = (ok: boolean | 'note', line: string) => process.stdout.write(`${ok === 'note' ? 'note' : ok ? 'ok  ' : 'FAIL'}  ${line}\n`);
    out(true, `configuration is valid (NODE_ENV=${config.env}, PORT=${config.port}, LOG_LEVEL=${config.logLevel})`);
    let db: Database;
    try {
      db = await Database.open({ config });
    } catch (e) {
      out(false, `database: ${(e as Error).message}`);
      return 1;
    }
    try {
      await db.ping();
      out(true, `database reachable: ${describeDatabase(config)}`);
      const m = await db.migrationCheck();
      const healthy = !m.pending.length && !m.failed.length && !m.edited.length;
      if (healthy) out(true, 'migrations: all applied');
      if (m.pending.length) out(false, `migrations pending: ${m.pending.join(', ')} (run: npm run db:migrate)`);
      if (m.failed.length) out(false, `migrations that failed half-way: ${m.failed.join(', ')} (fix, then resolve by hand)`);
      if (m.edited.length) out(false, `migrations edited after being applied: ${m.edited.join(', ')}`);
      const jobsHealthy = await checkJobs(db, out);
      await listSlowQueries(db, out);
      return healthy && jobsHealthy ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};

type Out = (ok: boolean | 'note', line: string) => void;

async function checkJobs(db: Database, out: Out): Promise<boolean> {
  const jobs = await readJobStatus(db);
  if (!jobs.length) {
    out('note', 'jobs: no job queue yet (the worker, or the API on the embedded database, creates it when it starts)');
    return true;
  }
  const failing = jobs.filter((j) => j.failedLast24h > 0);
  if (!failing.length) out(true, `jobs: ${jobs.length} job(s), none failed in the last 24 h (npm run cli -- jobs status)`);
  for (const j of failing) out(false, `job ${j.name}: ${j.failedLast24h} run(s) failed after all retries in the last 24 h; last error: ${j.lastError ?? 'unknown'}`);
  return failing.length === 0;
}

async function listSlowQueries(db: Database, out: Out): Promise<void> {
  const r = await slowQueries(db, 5);
  if (!r.available) {
    out('note', `slow queries: not available: ${r.reason}`);
    return;
  }
  out(true, `slow queries: the ${r.statements.length} statement(s) with the most time in all (pg_stat_statements)`);
  for (const s of r.statements) {
    const text = s.query.replace(/\s+/g, ' ').trim();
    process.stdout.write(`        ${s.totalMs.toFixed(1).padStart(10)} ms ${String(s.calls).padStart(8)} calls  ${text.length > 100 ? `${text.slice(0, 100)}...` : text}\n`);
  }
}
