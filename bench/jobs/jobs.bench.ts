import { PGlite } from '@electric-sql/pglite';
import { Database, Jobs, Metrics, loadConfig } from '@maple/platform';
import type { AppConfig } from '@maple/platform';

// `node dist/bench/jobs/jobs.bench.js [postgresql://...]`: the job queue's cost and timing, on
// the embedded database (in memory) or on the server named. Prints one JSON object; not a test.
//  - idleQueueTxRatio: mean latency of a small application transaction while the queue idles
//    (four queues polled every 2 s, crons checked, production timings) over the same without
//    it, in alternating 2-second rounds; 1.0 means the queue costs the application nothing.
//  - delayed*: how late 50 delayed jobs start after their runAt (polling every 2 s).
//  - drainJobsPerSec: 300 due jobs of one queue, one worker process, one run at a time.
const url = process.argv[2];
const ROUNDS = 8;
const ROUND_MS = 2000;

async function open(): Promise<{ db: Database; config: AppConfig }> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...(url ? { DATABASE_URL: url } : {}) });
  const pglite = url ? undefined : new PGlite();
  return { db: await Database.open({ config, pglite, migrate: true }), config };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function meanTxMs(db: Database, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let n = 0;
  const t0 = performance.now();
  while (Date.now() < end) {
    await db.transaction((tx) => tx.query('SELECT count(*) FROM "User"'), { allCompanies: true });
    n++;
  }
  return (performance.now() - t0) / n;
}

async function main(): Promise<void> {
  const { db, config } = await open();
  const maintenance = ['a', 'b', 'c', 'd'].map((s) => ({ name: `bench.idle-${s}`, cron: '*/5 * * * *', handler: async () => 'idle' }));

  // Alternating rounds: without the queue, then with it idling.
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const without = await meanTxMs(db, ROUND_MS);
    const jobs = new Jobs(db, new Metrics(db), config);
    for (const m of maintenance) jobs.register(m);
    await jobs.start({ work: true });
    const withQueue = await meanTxMs(db, ROUND_MS);
    await jobs.stop();
    ratios.push(withQueue / without);
  }
  ratios.sort((a, b) => a - b);

  // Lateness of delayed jobs and drain rate, with production polling.
  const started: number[] = [];
  let drained = 0;
  const jobs = new Jobs(db, new Metrics(db), config);
  jobs.register<{ at: number }>({ name: 'bench.delayed', handler: async (p) => void started.push(Date.now() - p.at) });
  jobs.register({ name: 'bench.drain', handler: async () => void drained++ });
  await jobs.start({ work: true });
  const base = Date.now() + 3000;
  for (let i = 0; i < 50; i++) {
    const at = base + i * 100;
    await jobs.schedule('bench.delayed', { at }, { runAt: new Date(at) });
  }
  while (started.length < 50) await new Promise((r) => setTimeout(r, 100));
  const lateness = [...started].sort((a, b) => a - b);

  for (let i = 0; i < 300; i++) await jobs.schedule('bench.drain', { i });
  const t0 = Date.now();
  while (drained < 300) await new Promise((r) => setTimeout(r, 20));
  const drainSeconds = (Date.now() - t0) / 1000;
  await jobs.stop();
  await db.close();

  process.stdout.write(
    `${JSON.stringify({
      database: db.kind,
      idleQueueTxRatio: Number(percentile(ratios, 50).toFixed(3)),
      idleQueueTxRatioRange: [Number(ratios[0].toFixed(3)), Number(ratios[ratios.length - 1].toFixed(3))],
      delayedLatenessMsP50: percentile(lateness, 50),
      delayedLatenessMsP99: percentile(lateness, 99),
      drainJobsPerSec: Math.round(300 / drainSeconds),
    })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`bench failed: ${e.message}\n`);
    process.exit(1);
  },
);
