import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApi } from '../../apps/api/bootstrap';
import { AiPredictions, parsePrediction } from '@maple/ai';
import { BootstrapAdmin } from '@maple/identity';
import { CommandRunner, Database, PersonalData, loadConfig } from '@maple/platform';

// `npm run bench:ai`: the prediction log on the local PostgreSQL, in a scratch database. Prints
// one JSON object. Targets (issue 15): >= 5,000 predictions per second through the batch
// endpoint (HTTP, auth, validation, hashing, Merkle root, one transaction per 1,000); the p99
// latency that logging adds to a single prediction call <= 2 ms. Baseline: a plain INSERT of
// the same rows (1,000 per statement) into a copy of the table, in alternating rounds; for the
// single call, a plain one-row INSERT transaction, interleaved call by call.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_AI_ROUNDS ?? 6);
const BATCHES_PER_ROUND = Number(process.env.BENCH_AI_BATCHES ?? 5);
const SINGLES = Number(process.env.BENCH_AI_SINGLES ?? 2000);
const PASSWORD = 'amber-harbour-quartz-19';

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
const median = (xs: number[]) => pct([...xs].sort((a, b) => a - b), 50);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const prediction = (i: number) => ({ input: { amount: i, country: 'DE', channel: 'wire' }, output: { score: (i % 100) / 100, label: i % 2 ? 'review' : 'clear' }, explanation: [{ feature: 'amount', contribution: 0.4 }, { feature: 'channel', contribution: 0.1 }], purpose: 'bench', latencyMs: 1.2 });

async function call(app: NestFastifyApplication, method: 'GET' | 'POST', url: string, token: string | null, payload?: unknown) {
  const res = await app.inject({ method, url, payload: payload as never, headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res.json();
}

async function main(): Promise<void> {
  const name = `maple_bench_ai_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const config = loadConfig({ DATABASE_URL: url.toString(), DB_POOL_SIZE: '10', LOG_LEVEL: 'silent', NODE_ENV: 'test' });
  const db = await Database.open({ config, migrate: true });
  const app = await createApi({ config, database: db, ownsDatabase: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const raw = new Client({ connectionString: url.toString() });
  await raw.connect();
  const out: Record<string, unknown> = {};
  try {
    // A company on a plan with the AI module, two administrators (author and approver), one deployed model.
    await app.get(BootstrapAdmin).createPlatformAdmin('root@bench.test', PASSWORD, 'Root');
    const signIn = async (email: string) => (await call(app, 'POST', '/auth/login', null, { email, password: PASSWORD })).accessToken as string;
    const root = await signIn('root@bench.test');
    const companyId = (await call(app, 'POST', '/companies', root, { name: 'Bench AI', size: 'SMB', region: 'EU' })).id as string;
    await call(app, 'POST', `/billing/companies/${companyId}/subscription`, root, { tier: 'ENTERPRISE', billingCycle: 'monthly', price: '99.00' });
    await call(app, 'POST', `/companies/${companyId}/admins`, root, { email: 'a1@bench.test', password: PASSWORD });
    const a1 = await signIn('a1@bench.test');
    await call(app, 'POST', '/users', a1, { email: 'a2@bench.test', role: 'ADMIN', password: PASSWORD, name: 'A2' });
    const a2 = await signIn('a2@bench.test');
    const modelId = (await call(app, 'POST', '/ai/models', a1, { name: 'bench-ranker', type: 'analytics' })).id as string;
    const sha = 'a'.repeat(64);
    const versionId = (await call(app, 'POST', `/ai/models/${modelId}/versions`, a1, { version: '1.0.0', artifactDigest: sha, lineage: { dataSnapshotHash: sha, codeCommit: 'abcdef1', parentVersionId: null }, configuration: {}, modelCard: { intendedUse: 'bench', outOfScopeUse: 'all else', metricsByGroup: {}, limitations: 'none' }, riskTier: 'low' })).versions[0].id as string;
    await call(app, 'POST', `/ai/models/${modelId}/versions/${versionId}/validate`, a1, { metrics: { auc: 0.9 } });
    await call(app, 'POST', `/ai/models/${modelId}/versions/${versionId}/approve`, a2);
    await call(app, 'POST', `/ai/models/${modelId}/versions/${versionId}/deploy`, a1);

    // The baseline's table: a plain copy of the prediction log (no partitions, triggers or RLS).
    await raw.query(`CREATE TABLE bench_raw_predictions (LIKE ai_predictions INCLUDING DEFAULTS)`);
    const batch = { predictions: Array.from({ length: 1000 }, (_, i) => prediction(i)) };
    const rawRows = JSON.stringify(batch.predictions.map((p, i) => ({ company_id: companyId, prediction_id: `r-${i}-${Math.random()}`, batch_id: 'b', batch_index: i, model_id: modelId, version_id: versionId, input_hash: sha, output: p.output, explanation: p.explanation, caller: 'u', purpose: p.purpose, latency_ms: p.latencyMs, recorded_at: new Date().toISOString() })));
    const rawInsertSql = `INSERT INTO bench_raw_predictions (company_id, prediction_id, batch_id, batch_index, model_id, version_id, input_hash, output, explanation, caller, purpose, latency_ms, recorded_at)
         SELECT company_id, prediction_id || gen_random_uuid(), batch_id, batch_index, model_id, version_id, input_hash, output, explanation, caller, purpose, latency_ms, recorded_at
           FROM jsonb_to_recordset($1::jsonb) AS r(company_id text, prediction_id text, batch_id text, batch_index int, model_id text, version_id text, input_hash text, output jsonb, explanation jsonb, caller text, purpose text, latency_ms float8, recorded_at timestamptz)`;
    const rawInsert = () => raw.query(rawInsertSql, [rawRows]);
    // Warm-up.
    await call(app, 'POST', `/ai/models/${modelId}/predictions/batch`, a1, batch);
    await rawInsert();

    const endpointRates: number[] = [];
    const rawRates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      for (let i = 0; i < BATCHES_PER_ROUND; i++) await call(app, 'POST', `/ai/models/${modelId}/predictions/batch`, a1, batch);
      endpointRates.push((BATCHES_PER_ROUND * 1000) / ((performance.now() - t) / 1000));
      t = performance.now();
      for (let i = 0; i < BATCHES_PER_ROUND; i++) await rawInsert();
      rawRates.push((BATCHES_PER_ROUND * 1000) / ((performance.now() - t) / 1000));
    }

    // The latency logging adds to one prediction call: the log write itself (validation, hash,
    // Merkle root, one statement and its commit), durable and with AI_PREDICTION_SYNCHRONOUS_COMMIT=false,
    // interleaved call by call with a plain single-row INSERT transaction (the machine's floor).
    const predictions = app.get(AiPredictions);
    const asyncCommit = new AiPredictions(db, app.get(CommandRunner), { ...config, ai: { ...config.ai, predictionSynchronousCommit: false } }, app.get(PersonalData));
    const lat: number[] = [];
    const latAsync: number[] = [];
    const latRaw: number[] = [];
    const rawOne = JSON.stringify([JSON.parse(rawRows)[0]]);
    for (let i = 0; i < SINGLES; i++) {
      let t = performance.now();
      await predictions.record(companyId, modelId, [parsePrediction(prediction(i), 'body')], 'bench');
      lat.push(performance.now() - t);
      t = performance.now();
      await asyncCommit.record(companyId, modelId, [parsePrediction(prediction(i), 'body')], 'bench');
      latAsync.push(performance.now() - t);
      t = performance.now();
      await raw.query('BEGIN');
      await raw.query(rawInsertSql, [rawOne]);
      await raw.query('COMMIT');
      latRaw.push(performance.now() - t);
    }
    for (const xs of [lat, latAsync, latRaw]) xs.sort((x, y) => x - y);
    const [{ n }] = (await raw.query(`SELECT count(*)::int AS n FROM ai_predictions`)).rows as { n: number }[];
    const expected = 1000 * (1 + ROUNDS * BATCHES_PER_ROUND) + 2 * SINGLES;
    if (n !== expected) throw new Error(`expected ${expected} stored predictions, found ${n}`);

    out.predictionsPerSec = Math.round(median(endpointRates));
    out.rawInsertPerSec = Math.round(median(rawRates));
    out.endpointToRawRatio = round(median(endpointRates) / median(rawRates));
    out.addedLatencyP50Ms = round(pct(lat, 50), 3);
    out.addedLatencyP99Ms = round(pct(lat, 99), 3);
    out.addedLatencyAsyncCommitP50Ms = round(pct(latAsync, 50), 3);
    out.addedLatencyAsyncCommitP99Ms = round(pct(latAsync, 99), 3);
    out.rawSingleInsertP50Ms = round(pct(latRaw, 50), 3);
    out.rawSingleInsertP99Ms = round(pct(latRaw, 99), 3);
    out.targets = { predictionsPerSec: 5000, addedLatencyP99Ms: 2 };
    out.met = { predictionsPerSec: (out.predictionsPerSec as number) >= 5000, addedLatencyP99Ms: (out.addedLatencyP99Ms as number) <= 2 };
    out.rounds = ROUNDS;
    out.batchSize = 1000;
    out.storedPredictions = n;
  } finally {
    await raw.end();
    await app.close();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
