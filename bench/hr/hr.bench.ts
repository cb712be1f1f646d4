import os from 'node:os';
import { Client } from 'pg';
import { CommandRunner, Database, EventStore, KeyRing, PersonalData, PersonalDataRegistry, ProjectionRegistry, commandMeta, loadConfig } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { AuditActions, auditLogProjection, recordPersonalDataViews } from '@maple/audit';
import { HrReads, HrRecords, HrSubjects, hrRecordProjection, hrSubjectProjection, registerHrPersonalData } from '@maple/hr';
import { UserQueries } from '@maple/identity';

// `npm run bench:hr`: the cost of personal-data protection on the local PostgreSQL, in a scratch
// database. Prints one JSON object. Targets (issue 13): creating an employee with 5 encrypted
// fields at most 10 % slower (p50) than the same command with encryption off, measured in
// alternating rounds; erasing a subject with 1,000 events under 1 s. Also: decrypted lists of
// 50 records per second.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_HR_ROUNDS ?? 30);
const PER_ROUND = Number(process.env.BENCH_HR_PER_ROUND ?? 60);
const LIST_SECONDS = Number(process.env.BENCH_HR_LIST_SECONDS ?? 5);
const ERASE_EVENTS = 1000;
const COMPANY = 'bench-hr';
const KEK = { id: 'bench', key: Buffer.alloc(32, 7) };

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
const median = (xs: number[]) => pct([...xs].sort((a, b) => a - b), 50);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const meta = (over: Partial<CommandMeta> = {}): CommandMeta => ({ ...commandMeta({ actorId: 'bench-hr-manager', companyId: COMPANY, ip: '127.0.0.1', userAgent: 'bench' }), ...over });

// 5 encrypted fields (fullName, email, dateOfBirth, nationalId, salary) and 5 plain ones.
const employee = (i: number) => ({
  fullName: `Bench Person ${i}`,
  email: `bench.${i}@example.test`,
  dateOfBirth: '1985-05-17',
  nationalId: `756.${String(i).padStart(4, '0')}.5678.97`,
  salary: '88000.00',
  position: 'Engineer',
  department: 'Platform',
  employmentType: 'full-time',
  currency: 'EUR',
  startDate: '2026-01-05',
});

async function main(): Promise<void> {
  const name = `maple_bench_hr_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const config = loadConfig({ DATABASE_URL: url.toString(), DB_POOL_SIZE: '10', LOG_LEVEL: 'silent' });
  const db = await Database.open({ config, migrate: true });
  const out: Record<string, unknown> = {};
  try {
    await db.ownerTransaction((tx) => tx.execute(`INSERT INTO "Company" (id, name, "updatedAt") VALUES ($1, $1, now())`, COMPANY));
    // The application's wiring: the same inline projections (HR and the audit log) both ways.
    const projections = new ProjectionRegistry();
    projections.registerInline(auditLogProjection(new AuditActions()));
    projections.registerInline(hrRecordProjection);
    projections.registerInline(hrSubjectProjection);
    const registry = new PersonalDataRegistry();
    const personal = new PersonalData(registry, new KeyRing([KEK], 'config'));
    registerHrPersonalData(personal);
    registry.setAccessLog(recordPersonalDataViews);
    const store = new EventStore();
    const sealed = new CommandRunner(db, store, projections, undefined, undefined, undefined, personal.sealer);
    const plain = new CommandRunner(db, store, projections);
    const on = new HrRecords(sealed, db, personal, new UserQueries(db));
    const off = new HrRecords(plain, db, personal, new UserQueries(db));

    // Create-employee latency, encryption on and off, in alternating rounds (the machine's speed
    // drifts; each round pairs the two under the same conditions).
    let n = 0;
    const latencies = { on: [] as number[], off: [] as number[] };
    const ratios: number[] = [];
    for (let i = 0; i < 30; i++) await on.hireDirect(COMPANY, { data: employee(n++) }, meta());
    for (let i = 0; i < 30; i++) await off.hireDirect(COMPANY, { data: employee(n++) }, meta());
    for (let r = 0; r < ROUNDS; r++) {
      const roundMs: Record<'on' | 'off', number[]> = { on: [], off: [] };
      for (const mode of r % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const records = mode === 'on' ? on : off;
        for (let i = 0; i < PER_ROUND; i++) {
          const t0 = performance.now();
          await records.hireDirect(COMPANY, { data: employee(n++) }, meta());
          roundMs[mode].push(performance.now() - t0);
        }
      }
      latencies.on.push(...roundMs.on);
      latencies.off.push(...roundMs.off);
      ratios.push(median(roundMs.on) / median(roundMs.off));
    }
    const sortedOn = [...latencies.on].sort((a, b) => a - b);
    const sortedOff = [...latencies.off].sort((a, b) => a - b);
    out.encryptionOverheadPct = round((median(ratios) - 1) * 100, 1);
    // Context: the same comparison over all commands pooled (more exposed to the machine's drift).
    out.pooledP50OverheadPct = round((pct(sortedOn, 50) / pct(sortedOff, 50) - 1) * 100, 1);
    out.encryptionOverheadPctRange = [round((Math.min(...ratios) - 1) * 100, 1), round((Math.max(...ratios) - 1) * 100, 1)];
    out.createEmployeeMs = {
      encrypted: { p50: round(pct(sortedOn, 50)), p99: round(pct(sortedOn, 99)) },
      plain: { p50: round(pct(sortedOff, 50)), p99: round(pct(sortedOff, 99)) },
      commandsPerMode: sortedOn.length,
      rounds: ROUNDS,
    };

    // Decrypted lists: an HR manager's page of 50 employees with a purpose (50 VIEW rows each).
    const reads = new HrReads(db, personal);
    const request = { viewer: { userId: 'bench-hr-manager', role: 'HR_MANAGER' as const }, purpose: 'benchmark', withoutPurpose: 'refuse' as const, asOf: '2026-12-01' };
    const page = await reads.list(COMPANY, { type: 'employee', limit: 50 }, request);
    if (page.items.length !== 50 || page.items.some((v) => String(v.data.fullName).startsWith('mpl1.'))) throw new Error('the list did not decrypt 50 records');
    const listMs: number[] = [];
    const until = performance.now() + LIST_SECONDS * 1000;
    while (performance.now() < until) {
      const t0 = performance.now();
      await reads.list(COMPANY, { type: 'employee', limit: 50 }, request);
      listMs.push(performance.now() - t0);
    }
    const sortedList = [...listMs].sort((a, b) => a - b);
    out.decryptedListPerSec = round(listMs.length / LIST_SECONDS, 1);
    out.decryptedListMs = { p50: round(pct(sortedList, 50)), p99: round(pct(sortedList, 99)), records: 50 };

    // Erasure of a subject with 1,000 events: hired, then 999 effective-dated salary changes.
    const subjects = new HrSubjects(sealed, db);
    const eraseMs: number[] = [];
    for (let k = 0; k < 3; k++) {
      const id = await on.hireDirect(COMPANY, { data: employee(n++) }, meta());
      for (let v = 1; v < ERASE_EVENTS; v++) await on.change(COMPANY, id, '2026-02-01', { salary: `${88000 + v}.00` }, meta());
      const [{ subjectId }] = await db.transaction((tx) => tx.query<{ subjectId: string }>(`SELECT "subjectId" FROM "HRRecord" WHERE id = $1`, id), { companyId: COMPANY });
      const [{ events }] = await db.transaction((tx) => tx.query<{ events: number }>(`SELECT count(*)::int AS events FROM events WHERE stream_id = $1`, `hr-record-${id}`), { companyId: COMPANY });
      if (events !== ERASE_EVENTS) throw new Error(`expected ${ERASE_EVENTS} events, found ${events}`);
      await subjects.requestErasure(COMPANY, subjectId, 'HR_MANAGER', 'benchmark', meta());
      const t0 = performance.now();
      await subjects.approveErasure(COMPANY, subjectId, 'ADMIN', meta({ actorId: 'bench-admin' }));
      eraseMs.push(performance.now() - t0);
      const [left] = await db.transaction((tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM hr_employee_changes WHERE record_id = $1 AND left(value #>> '{}', 5) = 'mpl1.'`, id), { companyId: COMPANY });
      if (left.n) throw new Error('the erasure left sealed values in the read model');
    }
    out.eraseSubjectMs = round(median(eraseMs), 1);
    out.eraseSubjectMsRuns = eraseMs.map((m) => round(m, 1));
    out.eraseSubjectEvents = ERASE_EVENTS;

    out.loadAverage1m = round(os.loadavg()[0], 2);
    out.cpus = os.cpus().length;
    out.targets = { encryptionOverheadPct: 10, eraseSubjectMs: 1000 };
    out.met = { encryptionOverhead: (out.encryptionOverheadPct as number) <= 10, eraseSubject: (out.eraseSubjectMs as number) < 1000 };
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
