import 'reflect-metadata';
import os from 'node:os';
import { Client } from 'pg';
import { ARGON2_PARAMS, BootstrapAdmin } from '@maple/identity';
import { verify as verifyJwt } from 'jsonwebtoken';
import { AccessTokenVerifier, Database, createRootLogger, loadConfig } from '@maple/platform';
import { createApi } from '../../apps/api/bootstrap';

// `npm run bench:auth`: sign-ins per second and the p99 latency of an authenticated GET /me at
// 32 concurrent connections, against the real API on 127.0.0.1 over the local PostgreSQL, in a
// scratch database. `jwtKeyObject` compares token verification with the key object made once
// against the secret parsed on every call (as before), in alternating rounds. Prints one JSON object.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 200);
const SIGN_IN_CONCURRENCY = Number(process.env.BENCH_SIGN_IN_CONCURRENCY ?? 8);
const ME_REQUESTS = Number(process.env.BENCH_ME_REQUESTS ?? 20_000);
// Token verification, old against new, in alternating rounds within this one run.
const JWT_ROUNDS = Number(process.env.BENCH_JWT_ROUNDS ?? 6);
const JWT_ROUND_REQUESTS = Number(process.env.BENCH_JWT_ROUND_REQUESTS ?? 4000);
const VERIFY_CALLS = 5000;
const CONNECTIONS = 32;
const PASSWORD = 'bench-harbour-quartz-19';

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Microseconds per verification, `calls` in a row. */
// What JwtStrategy (passport-jwt) calls per request: jsonwebtoken's verify with the verifier's key.
function verifyMicros(verifier: AccessTokenVerifier, token: string, calls: number): number {
  const t = performance.now();
  for (let i = 0; i < calls; i++) if (!verifier.principalOf(verifyJwt(token, verifier.key, verifier.options) as object)) throw new Error('token refused');
  return ((performance.now() - t) * 1000) / calls;
}

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
  let baseline: Awaited<ReturnType<typeof createApi>> | undefined;
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
    const me = (base: string) => async (i: number) => {
      const res = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${tokens[i % tokens.length]}` } });
      if (res.status !== 200) throw new Error(`/me: ${res.status}`);
      await res.arrayBuffer();
    };
    await load(500, CONNECTIONS, me(url)); // warm-up
    const meRun = await load(ME_REQUESTS, CONNECTIONS, me(url));

    // The same API once more, in this process over the same database, verifying tokens the way
    // passport-jwt did before: the secret handed over as a string, parsed into a key per call.
    const baselineVerifier = new AccessTokenVerifier(config.auth, config.auth.jwtSecret);
    baseline = await createApi({ config, database: db, ownsDatabase: false, logger: createRootLogger('silent'), tokenVerifier: baselineVerifier });
    await baseline.listen({ port: 0, host: '127.0.0.1' });
    const baselineUrl = await baseline.getUrl();
    await load(500, CONNECTIONS, me(baselineUrl));
    const rounds: { keyObject: number; stringKey: number }[] = [];
    const micros: { keyObject: number; stringKey: number }[] = [];
    const keyObjectVerifier = new AccessTokenVerifier(config.auth);
    for (let r = 0; r < JWT_ROUNDS; r++) {
      // Alternate which goes first, so drift in the machine's speed hits both alike.
      const order: ('keyObject' | 'stringKey')[] = r % 2 ? ['stringKey', 'keyObject'] : ['keyObject', 'stringKey'];
      const row = { keyObject: 0, stringKey: 0 };
      const micro = { keyObject: 0, stringKey: 0 };
      for (const which of order) {
        const run = await load(JWT_ROUND_REQUESTS, CONNECTIONS, me(which === 'keyObject' ? url : baselineUrl));
        row[which] = (JWT_ROUND_REQUESTS / run.wallMs) * 1000;
        micro[which] = verifyMicros(which === 'keyObject' ? keyObjectVerifier : baselineVerifier, tokens[0], VERIFY_CALLS);
      }
      rounds.push(row);
      micros.push(micro);
    }

    process.stdout.write(
      JSON.stringify({
        benchmark: 'auth',
        database: 'PostgreSQL (local, scratch database)',
        node: process.version,
        cpus: os.cpus().length,
        argon2: { algorithm: 'argon2id', memoryCostKiB: ARGON2_PARAMS.memoryCost, timeCost: ARGON2_PARAMS.timeCost, parallelism: ARGON2_PARAMS.parallelism },
        signIn: { count: SIGN_INS, concurrency: SIGN_IN_CONCURRENCY, perSecond: round((SIGN_INS / signIn.wallMs) * 1000), p50Ms: round(pct(signIn.ms, 50)), p99Ms: round(pct(signIn.ms, 99)) },
        me: { connections: CONNECTIONS, requests: ME_REQUESTS, perSecond: round((ME_REQUESTS / meRun.wallMs) * 1000), p50Ms: round(pct(meRun.ms, 50), 2), p99Ms: round(pct(meRun.ms, 99), 2) },
        // GET /me per second with the key object made once (now) against the secret parsed per
        // call (before), medians of alternating rounds; and microseconds per verification alone.
        jwtKeyObject: {
          rounds: JWT_ROUNDS,
          requestsPerRound: JWT_ROUND_REQUESTS,
          meKeyObjectPerSec: round(median(rounds.map((r) => r.keyObject))),
          meStringKeyPerSec: round(median(rounds.map((r) => r.stringKey))),
          meSpeedup: round(median(rounds.map((r) => r.keyObject / r.stringKey)), 2),
          verifyKeyObjectMicros: round(median(micros.map((m) => m.keyObject)), 2),
          verifyStringKeyMicros: round(median(micros.map((m) => m.stringKey)), 2),
        },
      }) + '\n',
    );
  } finally {
    await baseline?.close();
    await app.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench:auth failed: ${e.message}\n`);
  process.exit(1);
});
