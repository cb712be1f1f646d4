import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Database, loadConfig } from '@maple/platform';
import {
  MATCHER_VERSION,
  SanctionsStore,
  buildSanctionsIndex,
  computeSnapshotVersion,
  parseOfacSnapshot,
  readOfacFiles,
} from '@maple/compliance';
import type { SanctionsQuery } from '@maple/compliance';

// `node dist/bench/screening/screening.bench.js [ofac-dir]`: parses the OFAC snapshot, builds the
// screening index and times single-name screenings on this one thread. Prints one JSON object.
// Not a test: the figures go into the README. Queries are real list names, perturbed the way
// customer data differs from the list (typos, other order, dropped names, lower case), and
// names that are not on the list.
const DIR = process.argv[2] ?? path.resolve(process.cwd(), 'data/sanctions/ofac');
const QUERIES = Number(process.env.BENCH_QUERIES ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);

// A fixed seed keeps the query mix identical from run to run.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'John',
  'Mary',
  'Peter',
  'Anna',
  'Lukas',
  'Sofia',
  'Wei',
  'Yuki',
  'Carlos',
  'Fatima',
  'Olga',
  'Sven',
];
const LAST = [
  'Smith',
  'Miller',
  'Schneider',
  'Rossi',
  'Dubois',
  'Kowalski',
  'Tanaka',
  'Okafor',
  'Lindqvist',
  'Moreau',
];
const COMPANY = [
  'Northwind',
  'Bluewater',
  'Granite Peak',
  'Silver Birch',
  'Harbor Light',
  'Red Maple',
  'Quarry Lane',
];
const FORM = ['Trading Ltd', 'Logistics GmbH', 'Holdings Inc', 'Foods SA', 'Software LLC', 'Consulting BV'];

function queries(names: string[], count: number, rnd: () => number): SanctionsQuery[] {
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)];
  const typo = (word: string): string => {
    if (word.length < 4) return word;
    const at = 1 + Math.floor(rnd() * (word.length - 2));
    const letter = String.fromCharCode(97 + Math.floor(rnd() * 26));
    return rnd() < 0.5
      ? word.slice(0, at) + letter + word.slice(at + 1)
      : word.slice(0, at) + word.slice(at + 1);
  };
  const out: SanctionsQuery[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 5;
    if (kind === 4) {
      out.push({ name: rnd() < 0.6 ? `${pick(FIRST)} ${pick(LAST)}` : `${pick(COMPANY)} ${pick(FORM)}` });
      continue;
    }
    let words = pick(names).replace(/,/g, ' ').split(/\s+/).filter(Boolean);
    if (kind === 1) words.reverse();
    if (kind === 2) words = words.map((w, k) => (k === Math.floor(rnd() * words.length) ? typo(w) : w));
    if (kind === 3 && words.length > 2) words.splice(words.length - 1, 1);
    out.push({ name: rnd() < 0.3 ? words.join(' ').toLowerCase() : words.join(' ') });
  }
  return out;
}

const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The whole import as `npm run cli -- sanctions import` runs it, into a scratch PostgreSQL database. */
async function timeImport(): Promise<number> {
  const name = `maple_bench_sanctions_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const db = await Database.open({ config: loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' }), migrate: true });
  try {
    const r = await new SanctionsStore(db).importDirectory(DIR, 'bench');
    return r.seconds;
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const t0 = process.hrtime.bigint();
  // Files are read first so that importParseSeconds measures parsing alone.
  const files = await readOfacFiles(DIR);
  const readSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const p0 = process.hrtime.bigint();
  const snapshot = parseOfacSnapshot(files);
  const importParseSeconds = Number(process.hrtime.bigint() - p0) / 1e9;
  const version = computeSnapshotVersion(files);
  const b0 = process.hrtime.bigint();
  const index = buildSanctionsIndex(snapshot);
  const indexBuildSeconds = Number(process.hrtime.bigint() - b0) / 1e9;

  const listNames = snapshot.entries.flatMap((e) => [e.name, ...e.aliases.map((a) => a.name)]);
  const rnd = random(20261125);
  for (const q of queries(listNames, WARMUP, rnd)) index.screen(q);
  const work = queries(listNames, QUERIES, rnd);
  const times: number[] = [];
  let hits = 0;
  const cpu0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (const q of work) {
    const s = process.hrtime.bigint();
    hits += index.screen(q).length > 0 ? 1 : 0;
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  const wallMs = Number(process.hrtime.bigint() - w0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const round = (x: number, digits = 3) => Number(x.toFixed(digits));
  const importSeconds = await timeImport();
  const out = {
    bench: 'sanctions-screening',
    matcherVersion: MATCHER_VERSION,
    snapshotVersion: version,
    entries: snapshot.counts.entries,
    aliases: snapshot.counts.aliases,
    namesIndexed: index.stats.names,
    distinctTokens: index.stats.tokens,
    readSeconds: round(readSeconds),
    importParseSeconds: round(importParseSeconds),
    // Files to an active snapshot in PostgreSQL (parse, store entries, activate, index).
    importSeconds: round(importSeconds),
    indexBuildSeconds: round(indexBuildSeconds),
    queries: work.length,
    queriesWithHits: hits,
    p50Ms: round(percentile(times, 50)),
    p90Ms: round(percentile(times, 90)),
    p99Ms: round(percentile(times, 99)),
    maxMs: round(times[times.length - 1]),
    queriesPerSec: Math.round((work.length / wallMs) * 1000),
    cpuMsPerQuery: round((cpu.user + cpu.system) / 1000 / work.length),
    heapUsedMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    machine: {
      cpu: os.cpus()[0]?.model,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((l) => round(l, 2)),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
    },
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
