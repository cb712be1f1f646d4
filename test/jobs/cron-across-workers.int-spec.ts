import { Jobs, Metrics } from '@maple/platform';
import { FAST, until, sleep } from './jobs-support';
import { openTestDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';

// Two workers on one PostgreSQL database, each with its own queue connection pool, both
// registering the same every-minute cron job. Each tick must run once in all, not once per
// worker. (PGlite belongs to one process, so two workers exist only on a server.) The test
// watches two ticks, so it takes up to a little over a minute.
const onServer = Boolean(process.env.TEST_DATABASE_URL);

(onServer ? describe : describe.skip)(`a cron job across two workers [postgres]${onServer ? '' : ' (skipped: needs TEST_DATABASE_URL)'}`, () => {
  let t: TestDatabase;
  const workers: Jobs[] = [];
  beforeAll(async () => {
    t = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await t?.close();
  });

  it('runs once per tick, whichever worker picks it up', async () => {
    const runs: { worker: string; minute: number }[] = [];
    for (const name of ['worker-a', 'worker-b']) {
      const jobs = new Jobs(t.db, new Metrics(t.db), t.config, FAST);
      jobs.register({
        name: 'test.every-minute',
        cron: '* * * * *',
        handler: async () => void runs.push({ worker: name, minute: Math.floor(Date.now() / 60_000) }),
      });
      workers.push(jobs);
    }
    await Promise.all(workers.map((w) => w.start({ work: true })));
    // The current minute's tick fires at once; then wait for the next minute's tick, and give
    // both workers' cron monitors (every second) a few more chances to fire it a second time.
    await until(() => runs.length >= 1, 10_000);
    const first = runs[0].minute;
    await until(() => runs.some((r) => r.minute > first), 75_000);
    await sleep(5000);
    const perMinute = new Map<number, number>();
    for (const r of runs) perMinute.set(r.minute, (perMinute.get(r.minute) ?? 0) + 1);
    expect([...perMinute.values()]).toEqual([1, 1]);
    const status = (await workers[0].status()).find((s) => s.name === 'test.every-minute');
    expect(status?.cron).toBe('* * * * *');
    expect(status?.nextRunAt?.getTime()).toBe((Math.floor(Date.now() / 60_000) + 1) * 60_000);
  }, 120_000);
});
