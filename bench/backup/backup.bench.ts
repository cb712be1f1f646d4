import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Database, EventStore, loadConfig } from '@maple/platform';
import type { AppConfig, NewEvent } from '@maple/platform';
import { createBackup, createCheckpoint, loadSigner, restoreBackup, verifyRestore } from '@maple/audit';

// `npm run bench:backup`: the restore drill on the local PostgreSQL with 1,000,000 events.
// Loads the events through the real append function (events_append, 1,000 per call), then
// times create (pg_dump + encryption), restore (decryption + pg_restore into a new empty
// database) and verify (every chain recomputed and compared with the manifest), each round
// alternating with plain `pg_dump -Fc` to a file and `pg_restore --single-transaction` then
// ANALYZE as the baseline. Prints one JSON object.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const TOTAL = Number(process.env.BENCH_BACKUP_EVENTS ?? 1_000_000);
const COMPANIES = Number(process.env.BENCH_BACKUP_COMPANIES ?? 10);
const ROUNDS = Number(process.env.BENCH_BACKUP_ROUNDS ?? 2);
const BATCH = 1000;
const WRITERS = 4;

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

const urlOf = (name: string) => {
  const u = new URL(BASE);
  u.pathname = `/${name}`;
  return u.toString();
};

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} exited ${code}`))));
  });
}

async function load(db: Database): Promise<number> {
  const store = new EventStore();
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (;;) {
        const start = next;
        next += BATCH;
        if (start >= TOTAL) return;
        const companyId = `bench-co-${(start / BATCH) % COMPANIES}`;
        const meta = { actorId: 'bench', companyId, correlationId: randomUUID(), causationId: null, ip: '127.0.0.1', userAgent: 'bench' };
        const events: NewEvent[] = Array.from({ length: Math.min(BATCH, TOTAL - start) }, (_, i) => ({
          eventId: randomUUID(),
          type: 'MoneyDeposited',
          data: { amount: (start + i) % 1000, currency: 'EUR', reference: randomBytes(8).toString('hex'), note: 'benchmark deposit', seq: start + i },
          metadata: meta,
        }));
        await db.transaction((tx) => store.append(tx, { id: `acct-${randomUUID()}`, type: 'acct', companyId }, events, 0), { companyId });
      }
    }),
  );
  return TOTAL / ((performance.now() - t) / 1000);
}

async function main(): Promise<void> {
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  const tag = Date.now().toString(36);
  const source = `maple_bench_backup_${tag}`;
  const scratch: string[] = [source];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'maple-bench-backup-'));
  const newDb = async (suffix: string) => {
    const name = `${source}_${suffix}`;
    scratch.push(name);
    await admin.query(`CREATE DATABASE "${name}"`);
    return name;
  };
  await admin.query(`CREATE DATABASE "${source}"`);
  const env = { DATABASE_URL: urlOf(source), DB_POOL_SIZE: '10', LOG_LEVEL: 'silent', BACKUP_DIR: dir, BACKUP_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const config = loadConfig(env);
  const db = await Database.open({ config, migrate: true });
  const signer = loadSigner();
  const out: Record<string, unknown> = { events: TOTAL, companies: COMPANIES, rounds: ROUNDS };
  try {
    out.loadEventsPerSec = Math.round(await load(db));
    for (let c = 0; c < COMPANIES; c++) await createCheckpoint(db, signer, `bench-co-${c}`);
    await db.ownerTransaction((tx) => tx.execute('ANALYZE'));
    const [size] = await db.ownerTransaction((tx) => tx.query<{ mb: number }>(`SELECT round(pg_database_size(current_database()) / 1048576.0)::int AS mb`));
    out.databaseMb = size.mb;

    const t = { create: [] as number[], restore: [] as number[], verify: [] as number[], pgDump: [] as number[], pgRestore: [] as number[] };
    let fileMb = 0;
    let plainMb = 0;
    for (let r = 0; r < ROUNDS; r++) {
      // Maple's drill.
      let file = '';
      t.create.push(
        await seconds(async () => {
          const made = await createBackup(db, config, { signer });
          file = made.file;
          fileMb = made.bytes / 1048576;
        }),
      );
      const target: AppConfig = loadConfig({ ...env, DATABASE_URL: urlOf(await newDb(`r${r}`)) });
      t.restore.push(await seconds(() => restoreBackup(target, file)));
      const restored = await Database.open({ config: target });
      try {
        let valid = false;
        t.verify.push(
          await seconds(async () => {
            const v = await verifyRestore(restored, target, file, signer.publicKeyPem);
            valid = v.valid && v.manifest.totals.events === TOTAL;
          }),
        );
        if (!valid) throw new Error('verify failed on an untouched restore');
      } finally {
        await restored.close();
      }
      await rm(file);
      // The baseline: the same dump and restore with PostgreSQL's tools alone, through a file.
      const plain = path.join(dir, `plain-${r}.dump`);
      t.pgDump.push(await seconds(() => run('pg_dump', ['--format=custom', `--file=${plain}`, `--dbname=${urlOf(source)}`])));
      plainMb = (await stat(plain)).size / 1048576;
      const baseTarget = await newDb(`p${r}`);
      // ANALYZE as Maple's restore does: a restored database without statistics is not ready.
      t.pgRestore.push(
        await seconds(async () => {
          await run('pg_restore', ['--single-transaction', '--exit-on-error', `--dbname=${urlOf(baseTarget)}`, plain]);
          await run('psql', ['--quiet', '--command=ANALYZE', `--dbname=${urlOf(baseTarget)}`]);
        }),
      );
      await rm(plain);
      // Disk: each copy of a million events is several hundred MB.
      for (const name of scratch.splice(1)) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
    out.backupFileMb = round(fileMb);
    out.pgDumpFileMb = round(plainMb);
    out.createSeconds = round(median(t.create), 2);
    out.restoreSeconds = round(median(t.restore), 2);
    out.verifySeconds = round(median(t.verify), 2);
    out.restoreAndVerifySeconds = round(median(t.restore) + median(t.verify), 2);
    out.verifyEventsPerSec = Math.round(TOTAL / median(t.verify));
    out.pgDumpSeconds = round(median(t.pgDump), 2);
    out.pgRestoreSeconds = round(median(t.pgRestore), 2);
    out.createToPgDumpRatio = round(median(t.create) / median(t.pgDump), 2);
    out.restoreToPgRestoreRatio = round(median(t.restore) / median(t.pgRestore), 2);
    out.roundsSeconds = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.map((x) => round(x, 2))]));
    out.rtoTargetSeconds = 4 * 3600;
    out.rtoMet = (out.restoreAndVerifySeconds as number) < 4 * 3600;
    out.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    out.loadAverage1m = round(os.loadavg()[0], 2);
  } finally {
    await db.close();
    for (const name of scratch.reverse()) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`bench failed: ${e.message}\n`);
  process.exit(1);
});
