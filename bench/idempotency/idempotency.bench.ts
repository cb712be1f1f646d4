import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Client } from 'pg';
import { BootstrapAdmin } from '@maple/identity';
import { Database, createRootLogger, loadConfig } from '@maple/platform';
import { createApi } from '../../apps/api/bootstrap';

// `npm run bench:idempotency`: what an Idempotency-Key costs. POST /compliance/records without a
// key (the baseline), with a new key per request, and replays of kept responses, in alternating
// rounds of the same length in one run (the machine's speed drifts; a ratio within one run does
// not), against the real API on 127.0.0.1 over the local PostgreSQL, in a scratch database.
// Checks its counts against the rows in the database, then prints one JSON object.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PASSWORD = 'bench-harbour-quartz-19';

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Requests per second that `workers` loops of `op` complete in `seconds`. */
async function perSecond(workers: number, seconds: number, op: () => Promise<void>): Promise<{ rate: number; done: number }> {
  const end = performance.now() + seconds * 1000;
  const counts = await Promise.all(
    Array.from({ length: workers }, async () => {
      let n = 0;
      while (performance.now() < end) {
        await op();
        n++;
      }
      return n;
    }),
  );
  const done = counts.reduce((a, b) => a + b, 0);
  return { rate: done / seconds, done };
}

async function main(): Promise<void> {
  const name = `maple_bench_idem_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(BASE);
  u.pathname = `/${name}`;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: u.toString(), DB_POOL_SIZE: '20', RATE_LIMIT_PER_MINUTE: '0' });
  const db = await Database.open({ config, migrate: true });
  const app = await createApi({ config, database: db, ownsDatabase: true, logger: createRootLogger('silent') });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    const post = async (path: string, body: unknown, token?: string, key?: string, expect = [200, 201]) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(key ? { 'idempotency-key': key } : {}) };
      const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await res.text();
      if (!expect.includes(res.status)) throw new Error(`${path}: ${res.status} ${text}`);
      return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', json: JSON.parse(text) as Record<string, string> };
    };

    await app.get(BootstrapAdmin).createPlatformAdmin('root@bench.test', PASSWORD, null);
    const root = (await post('/auth/login', { email: 'root@bench.test', password: PASSWORD })).json.accessToken;
    const { id: companyId } = (await post('/companies', { name: 'Bench Bank' }, root)).json;
    await post(`/companies/${companyId}/admins`, { email: 'admin@bench.test', password: PASSWORD }, root);
    const adminToken = (await post('/auth/login', { email: 'admin@bench.test', password: PASSWORD })).json.accessToken;
    await post('/users', { email: 'officer@bench.test', role: 'COMPLIANCE_OFFICER', password: PASSWORD }, adminToken);
    const officer = (await post('/auth/login', { email: 'officer@bench.test', password: PASSWORD })).json.accessToken;

    let seq = 0;
    const record = () => ({ type: 'AML', data: { counterparty: `Bench ${++seq} GmbH`, amount: '1200.00', currency: 'EUR', country: 'DE', channel: 'wire' } });
    let created = 0;
    const plain = async () => {
      await post('/compliance/records', record(), officer);
      created++;
    };
    const keyed = async () => {
      const r = await post('/compliance/records', record(), officer, randomUUID());
      if (r.replayed) throw new Error('a new key was answered with a replay');
      created++;
    };
    // Replays: a few keys whose responses are kept, asked for again and again.
    const kept = await Promise.all(Array.from({ length: 16 }, async () => ({ key: randomUUID(), body: record() })));
    for (const k of kept) await post('/compliance/records', k.body, officer, k.key);
    created += kept.length;
    let replays = 0;
    const replay = async () => {
      const k = kept[replays++ % kept.length];
      const r = await post('/compliance/records', k.body, officer, k.key);
      if (!r.replayed) throw new Error('a retry ran again');
    };

    await perSecond(CONCURRENCY, 1, plain); // warm-up
    await perSecond(CONCURRENCY, 1, keyed);
    const rounds: { plain: number; keyed: number; replay: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const p = await perSecond(CONCURRENCY, ROUND_SECONDS, plain);
      const k = await perSecond(CONCURRENCY, ROUND_SECONDS, keyed);
      const r = await perSecond(CONCURRENCY, ROUND_SECONDS, replay);
      rounds.push({ plain: p.rate, keyed: k.rate, replay: r.rate });
    }

    // Every create made exactly one record, and no replay made any.
    const rows = await db.transaction((tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM "ComplianceRecord"`), { allCompanies: true });
    if (rows[0].n !== created) throw new Error(`counted ${created} creates but the database holds ${rows[0].n} records`);

    process.stdout.write(
      JSON.stringify({
        benchmark: 'idempotency',
        database: 'PostgreSQL (local, scratch database)',
        node: process.version,
        cpus: os.cpus().length,
        concurrency: CONCURRENCY,
        rounds: ROUNDS,
        roundSeconds: ROUND_SECONDS,
        plainCreatePerSec: round(median(rounds.map((r) => r.plain))),
        keyedCreatePerSec: round(median(rounds.map((r) => r.keyed))),
        replayPerSec: round(median(rounds.map((r) => r.replay))),
        keyedToPlainRatio: round(median(rounds.map((r) => r.keyed / r.plain)), 2),
        keyedToPlainRatioRange: [round(Math.min(...rounds.map((r) => r.keyed / r.plain)), 2), round(Math.max(...rounds.map((r) => r.keyed / r.plain)), 2)],
        replayToPlainRatio: round(median(rounds.map((r) => r.replay / r.plain)), 2),
        recordsChecked: created,
      }) + '\n',
    );
  } finally {
    await app.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench:idempotency failed: ${e.message}\n`);
  process.exit(1);
});
