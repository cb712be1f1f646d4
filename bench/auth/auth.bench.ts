import 'reflect-metadata';
import os from 'node:os';
import { Client } from 'pg';
import { ARGON2_PARAMS, BootstrapAdmin } from '@maple/identity';
import { Database, createRootLogger, loadConfig } from '@maple/platform';
import { createApi } from '../../apps/api/bootstrap';

// `npm run bench:auth`: sign-ins per second and the p99 latency of an authenticated GET /me at
// 32 concurrent connections, against the real API on 127.0.0.1 over the local PostgreSQL, in a
// scratch database. Prints one JSON object.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 200);
const SIGN_IN_CONCURRENCY = Number(process.env.BENCH_SIGN_IN_CONCURRENCY ?? 8);
const ME_REQUESTS = Number(process.env.BENCH_ME_REQUESTS ?? 20_000);
const CONNECTIONS = 32;
const PASSWORD = 'bench-harbour-quartz-19';

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** `total` calls of `fn` spread over `workers` concurrent loops; the latency of each, in ms. */
async function load(total: number, workers: number, fn: (i: number) => Promise<void>): Promise<{ ms: number[]; wallMs: number }> {
  const ms: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await fn(i);
        ms.push(performance.now() - t);
      }
    }),
  );
  return { ms: ms.sort((a, b) => a - b), wallMs: performance.now() - start };
}

async function main(): Promise<void> {
  const name = `maple_bench_auth_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(BASE);
  u.pathname = `/${name}`;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: u.toString(), DB_POOL_SIZE: '40', RATE_LIMIT_PER_MINUTE: '0', LOGIN_IP_FAILURE_LIMIT: '1000000' });
  const db = await Database.open({ config, migrate: true });
  const app = await createApi({ config, database: db, ownsDatabase: true, logger: createRootLogger('silent') });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    const post = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, string>>;
    };

    await app.get(BootstrapAdmin).createPlatformAdmin('root@bench.test', PASSWORD, null);
    const root = (await post('/auth/login', { email: 'root@bench.test', password: PASSWORD })).accessToken;
    const { id: companyId } = await post('/companies', { name: 'Bench Bank' }, root);
    await post(`/companies/${companyId}/admins`, { email: 'admin@bench.test', password: PASSWORD }, root);
    const adminToken = (await post('/auth/login', { email: 'admin@bench.test', password: PASSWORD })).accessToken;
    const emails = Array.from({ length: 16 }, (_, i) => `user${i}@bench.test`);
    for (const email of emails) await post('/users', { email, role: 'USER', password: PASSWORD }, adminToken);

    // Sign-ins: argon2id verification dominates; spread over users so no account is a hot row.
    const signIn = await load(SIGN_INS, SIGN_IN_CONCURRENCY, async (i) => {
      await post('/auth/login', { email: emails[i % emails.length], password: PASSWORD });
    });

    // GET /me with a valid token over 32 concurrent keep-alive connections.
    const tokens = await Promise.all(emails.map(async (email) => (await post('/auth/login', { email, password: PASSWORD })).accessToken));
    const me = async (i: number) => {
      const res = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${tokens[i % tokens.length]}` } });
      if (res.status !== 200) throw new Error(`/me: ${res.status}`);
      await res.arrayBuffer();
    };
    await load(500, CONNECTIONS, me); // warm-up
    const meRun = await load(ME_REQUESTS, CONNECTIONS, me);

    process.stdout.write(
      JSON.stringify({
        benchmark: 'auth',
        database: 'PostgreSQL (local, scratch database)',
        node: process.version,
        cpus: os.cpus().length,
        argon2: { algorithm: 'argon2id', memoryCostKiB: ARGON2_PARAMS.memoryCost, timeCost: ARGON2_PARAMS.timeCost, parallelism: ARGON2_PARAMS.parallelism },
        signIn: { count: SIGN_INS, concurrency: SIGN_IN_CONCURRENCY, perSecond: round((SIGN_INS / signIn.wallMs) * 1000), p50Ms: round(pct(signIn.ms, 50)), p99Ms: round(pct(signIn.ms, 99)) },
        me: { connections: CONNECTIONS, requests: ME_REQUESTS, perSecond: round((ME_REQUESTS / meRun.wallMs) * 1000), p50Ms: round(pct(meRun.ms, 50), 2), p99Ms: round(pct(meRun.ms, 99), 2) },
      }) + '\n',
    );
  } finally {
    await app.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench:auth failed: ${e.message}\n`);
  process.exit(1);
});
