import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Client } from 'pg';
import { Database, EventStore, loadConfig } from '@maple/platform';
import type { NewEvent } from '@maple/platform';
import { AuditActions, AuditService, loadSigner } from '@maple/audit';

// `npm run bench:audit`: the auditors' hot paths on the local PostgreSQL, in a scratch database.
// Prints one JSON object. Targets (issue 4): verify >= 100,000 events/s, history p99 <= 200 ms.
const BASE =
  process.env.BENCH_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';
const TOTAL = Number(process.env.BENCH_AUDIT_EVENTS ?? 100_000);
const LONG_STREAM = 10_000;
const COMPANY = 'bench-co';

const meta = {
  actorId: 'bench',
  companyId: COMPANY,
  correlationId: 'bench',
  causationId: null,
  ip: '127.0.0.1',
  userAgent: 'bench',
};
const event = (i: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'MoneyDeposited',
  data: { amount: i % 100, note: 'benchmark deposit', seq: i },
  metadata: meta,
});

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const name = `maple_bench_audit_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const config = loadConfig({ DATABASE_URL: url.toString(), DB_POOL_SIZE: '20', LOG_LEVEL: 'silent' });
  const db = await Database.open({ config, migrate: true });
  const store = new EventStore();
  const audit = new AuditService(db, store, new AuditActions(), loadSigner());
  const scope = { companyId: COMPANY };
  const out: Record<string, unknown> = { events: TOTAL };
  try {
    // Load: one 10,000-event stream, the rest in 1,000-event streams, appended in batches.
    const t0 = performance.now();
    const long = `acct-${randomUUID()}`;
    for (let v = 0; v < LONG_STREAM; v += 500) {
      await db.transaction(
        (tx) =>
          store.append(
            tx,
            { id: long, type: 'acct', companyId: COMPANY },
            Array.from({ length: 500 }, (_, i) => event(v + i)),
            v,
          ),
        scope,
      );
    }
    for (let n = LONG_STREAM; n < TOTAL; n += 1000) {
      const size = Math.min(1000, TOTAL - n);
      await db.transaction(
        (tx) =>
          store.append(
            tx,
            { id: `acct-${randomUUID()}`, type: 'acct', companyId: COMPANY },
            Array.from({ length: size }, (_, i) => event(n + i)),
            0,
          ),
        scope,
      );
    }
    out.batchedAppendEventsPerSec = Math.round(TOTAL / ((performance.now() - t0) / 1000));
    // What autovacuum does shortly after a bulk load on a live system; without statistics the
    // planner sorts the whole company instead of walking the (company_id, position) index.
    await db.ownerTransaction((tx) => tx.execute('ANALYZE events'));

    // Verify the whole chain (and its signed checkpoint).
    await audit.checkpoint(COMPANY);
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await audit.verify({ companyId: COMPANY });
    const cpu = process.cpuUsage(cpu0);
    const verifySec = (performance.now() - t1) / 1000;
    // Node's own CPU per verified event: what the figure would be without a busy neighbour.
    out.verifyNodeCpuUsPerEvent = round((cpu.user + cpu.system) / TOTAL, 2);
    if (!r.valid || r.checked !== TOTAL) throw new Error(`verify failed: ${JSON.stringify(r)}`);
    out.verifyEventsPerSec = Math.round(r.checked / verifySec);
    out.verifySeconds = round(verifySec, 2);

    // History of the 10,000-event stream: pages of 100 at the start, middle and end.
    await audit.history(scope, 'acct', long, 0, 100);
    const ms: number[] = [];
    for (let i = 0; i < 60; i++) {
      const cursor = [0, 5000, 9900][i % 3];
      const s = performance.now();
      const page = await audit.history(scope, 'acct', long, cursor, 100);
      ms.push(performance.now() - s);
      if (page.items.length !== 100) throw new Error('history page short');
    }
    ms.sort((a, b) => a - b);
    out.historyMsP50 = round(pct(ms, 50));
    out.historyMsP99 = round(pct(ms, 99));

    // Single-event appends with the hash chain: one company (serialised by its chain lock)
    // versus eight companies (independent chains).
    const appendsPerSec = async (companies: string[]) => {
      const end = Date.now() + 3000;
      let done = 0;
      await Promise.all(
        Array.from({ length: 16 }, async (_, w) => {
          const c = companies[w % companies.length];
          while (Date.now() < end) {
            await db.transaction(
              (tx) =>
                store.append(
                  tx,
                  { id: `acct-${randomUUID()}`, type: 'acct', companyId: c },
                  [{ ...event(w), metadata: { ...meta, companyId: c } }],
                  0,
                ),
              { companyId: c },
            );
            done++;
          }
        }),
      );
      return Math.round(done / 3);
    };
    out.appendsPerSecOneCompany16Writers = await appendsPerSec(['solo-co']);
    out.appendsPerSecEightCompanies16Writers = await appendsPerSec(
      Array.from({ length: 8 }, (_, i) => `co-${i}`),
    );
    // The figures are wall-clock; on a shared 2-core machine they move with the neighbours' load.
    out.loadAverage1m = round(os.loadavg()[0], 2);
    out.cpus = os.cpus().length;
    out.targets = { verifyEventsPerSec: 100_000, historyMsP99: 200 };
    out.met = {
      verify: (out.verifyEventsPerSec as number) >= 100_000,
      history: (out.historyMsP99 as number) <= 200,
    };
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`bench failed: ${e.message}\n`);
  process.exit(1);
});
