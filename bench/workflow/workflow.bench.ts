import { Client } from 'pg';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Database, Jobs, Metrics, commandMeta, loadConfig } from '@maple/platform';
import { BootstrapAdmin } from '@maple/identity';
import { TIMER_JOB, WorkflowInstances } from '@maple/workflow';
import type { TimerPayload } from '@maple/workflow';
import { createApi } from '../../apps/api/bootstrap';

// `npm run bench:workflow`: the workflow context on the local PostgreSQL, in a scratch database,
// over real HTTP on loopback. Prints one JSON object. Targets (issue 14): start and complete a
// 3-step approval with p99 <= 100 ms; 10,000 timers due in the same minute all fire within 60 s,
// each exactly once; instances advanced per second at 8 concurrent clients. Latencies are paired
// with a baseline (the same number of authenticated inbox reads) in alternating rounds.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_WORKFLOW_ROUNDS ?? 10);
const FLOWS_PER_ROUND = Number(process.env.BENCH_WORKFLOW_FLOWS ?? 20);
const TIMERS = Number(process.env.BENCH_WORKFLOW_TIMERS ?? 10_000);
const TIMER_WORKERS = Number(process.env.BENCH_WORKFLOW_TIMER_WORKERS ?? 8);
// Timers are spread over companies: each company's appends serialise on its hash chain.
const TIMER_COMPANIES = Number(process.env.BENCH_WORKFLOW_TIMER_COMPANIES ?? 10);
const ADVANCE_SECONDS = Number(process.env.BENCH_WORKFLOW_ADVANCE_SECONDS ?? 4);
const CLIENTS = 8;
const PASSWORD = 'bench-harbour-quartz-19';

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => pct(sortNum(xs), 50);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

type Http = (method: 'GET' | 'POST', path: string, token: string | null, body?: unknown) => Promise<{ status: number; json: Record<string, unknown> }>;

function http(base: string): Http {
  return async (method, path, token, body) => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    return { status: res.status, json };
  };
}

async function must(p: ReturnType<Http>, status: number, what: string) {
  const r = await p;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
  return r.json;
}

async function world(app: NestFastifyApplication, call: Http) {
  await app.get(BootstrapAdmin).createPlatformAdmin('root@bench.test', PASSWORD, 'Root');
  const login = async (email: string) => (await must(call('POST', '/auth/login', null, { email, password: PASSWORD }), 200, `login ${email}`)).accessToken as string;
  const root = await login('root@bench.test');
  const company = async (n: number) => {
    const companyId = (await must(call('POST', '/companies', root, { name: `Bench workflow ${n}`, size: 'SMB', region: 'EU' }), 201, 'company')).id as string;
    await must(call('POST', `/billing/companies/${companyId}/subscription`, root, { tier: 'ENTERPRISE', billingCycle: 'annual', price: '0', features: { apiRequestsPerMinute: 10_000_000 } }), 201, 'subscription');
    await must(call('POST', `/companies/${companyId}/admins`, root, { email: `admin${n}@bench.test`, password: PASSWORD }), 201, 'admin');
    return { companyId, admin: await login(`admin${n}@bench.test`) };
  };
  const { companyId, admin } = await company(0);
  const user = async (email: string, role: string) => {
    await must(call('POST', '/users', admin, { email, role, password: PASSWORD, name: role }), 201, `user ${email}`);
    return login(email);
  };
  return { companyId, admin, company, user: await user('user@bench.test', 'USER'), officer: await user('officer@bench.test', 'COMPLIANCE_OFFICER'), hr: await user('hr@bench.test', 'HR_MANAGER') };
}

async function main(): Promise<void> {
  const name = `maple_bench_wf_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const config = loadConfig({ DATABASE_URL: url.toString(), DB_POOL_SIZE: '20', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '10000000' });
  const db = await Database.open({ config, migrate: true });
  const out: Record<string, unknown> = { database: 'postgresql', timers: TIMERS, timerWorkers: TIMER_WORKERS, timerCompanies: TIMER_COMPANIES, clients: CLIENTS };
  const extraJobs: Jobs[] = [];
  let app: NestFastifyApplication | undefined;
  try {
    app = await createApi({ config, database: db, ownsDatabase: false });
    await app.init();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address() as { port: number };
    const call = http(`http://127.0.0.1:${address.port}`);
    const w = await world(app, call);

    // 1. A 3-step approval (form task, officer approval, admin approval) from start to end.
    const threeSteps = {
      name: 'Bench 3-step approval',
      type: 'approval',
      start: 'request',
      steps: [
        { id: 'request', kind: 'task', assignee: { role: 'USER' }, form: { type: 'object', properties: { amount: { type: 'number' } } }, next: 'officer' },
        { id: 'officer', kind: 'approval', assignees: { role: 'COMPLIANCE_OFFICER' }, complete: 'any', next: 'admin' },
        { id: 'admin', kind: 'approval', assignees: { role: 'ADMIN' }, complete: 'any', next: 'done' },
        { id: 'done', kind: 'end', outcome: 'approved' },
      ],
    };
    const defId = (await must(call('POST', '/workflow/definitions', w.admin, { definition: threeSteps }), 201, 'definition')).id as string;
    const flow = async () => {
      const t0 = performance.now();
      const started = await must(call('POST', `/workflow/definitions/${defId}/instances`, w.hr, { data: {} }), 201, 'start');
      const t1 = (started.current as { taskId: string }).taskId;
      const a = await must(call('POST', `/workflow/tasks/${t1}/complete`, w.user, { data: { amount: 10 }, dataVersion: 0 }), 200, 'complete');
      const b = await must(call('POST', `/workflow/tasks/${(a.current as { taskId: string }).taskId}/approve`, w.officer, { dataVersion: 1 }), 200, 'approve 1');
      const c = await must(call('POST', `/workflow/tasks/${(b.current as { taskId: string }).taskId}/approve`, w.admin, { dataVersion: 1 }), 200, 'approve 2');
      if (c.status !== 'completed') throw new Error(`flow ended ${String(c.status)}`);
      return performance.now() - t0;
    };
    // Baseline: the same number of requests (4), each an authenticated, tenant-scoped inbox read.
    const baseline = async () => {
      const t0 = performance.now();
      for (let i = 0; i < 4; i++) await must(call('GET', '/workflow/tasks?filter=all', w.admin), 200, 'inbox');
      return performance.now() - t0;
    };
    for (let i = 0; i < 10; i++) await flow();
    const flows: number[] = [];
    const bases: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const f: number[] = [];
      const b: number[] = [];
      for (const kind of r % 2 ? (['base', 'flow'] as const) : (['flow', 'base'] as const)) for (let i = 0; i < FLOWS_PER_ROUND; i++) (kind === 'flow' ? f : b).push(kind === 'flow' ? await flow() : await baseline());
      flows.push(...f);
      bases.push(...b);
      ratios.push(median(f) / median(b));
    }
    const sf = sortNum(flows);
    out.approvalP50Ms = round(pct(sf, 50));
    out.approvalP99Ms = round(pct(sf, 99));
    out.approvalPerRequestP50Ms = round(pct(sf, 50) / 4);
    out.approvalFlows = flows.length;
    out.baselineFourReadsP50Ms = round(median(bases));
    out.approvalToBaselineRatio = round(median(ratios));
    out.approvalTargetMet = pct(sf, 99) <= 100;

    // 2. Instances advanced per second by 8 concurrent clients (each completion moves one instance on).
    const oneTask = { name: 'Bench advance', type: 'approval', start: 'step', steps: [{ id: 'step', kind: 'task', assignee: { role: 'USER' }, next: 'done' }, { id: 'done', kind: 'end' }] };
    const advId = (await must(call('POST', '/workflow/definitions', w.admin, { definition: oneTask }), 201, 'definition')).id as string;
    const advanceRounds: number[] = [];
    const readRounds: number[] = [];
    for (let r = 0; r < 4; r++) {
      for (const kind of r % 2 ? (['read', 'advance'] as const) : (['advance', 'read'] as const)) {
        // Instances to advance are started before the clock runs.
        const ready: string[] = [];
        if (kind === 'advance') {
          const need = Math.ceil(ADVANCE_SECONDS * 400);
          for (let i = 0; i < need; i += CLIENTS) {
            const batch = await Promise.all(Array.from({ length: CLIENTS }, () => must(call('POST', `/workflow/definitions/${advId}/instances`, w.hr, {}), 201, 'start')));
            ready.push(...batch.map((s) => (s.current as { taskId: string }).taskId));
          }
        }
        let done = 0;
        const until = performance.now() + ADVANCE_SECONDS * 1000;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            while (performance.now() < until) {
              if (kind === 'advance') {
                const taskId = ready.pop();
                if (!taskId) break;
                await must(call('POST', `/workflow/tasks/${taskId}/complete`, w.user, { data: {}, dataVersion: 0 }), 200, 'advance');
              } else await must(call('GET', '/workflow/tasks?filter=role', w.user), 200, 'inbox');
              done++;
            }
          }),
        );
        (kind === 'advance' ? advanceRounds : readRounds).push(done / ((performance.now() - t0) / 1000));
      }
    }
    out.instancesAdvancedPerSec = round(median(advanceRounds), 1);
    out.inboxReadsPerSec = round(median(readRounds), 1);
    out.advanceToReadRatio = round(median(advanceRounds) / median(readRounds));

    // 3. TIMERS timer steps due at the same moment, fired by TIMER_WORKERS worker queues.
    const due = new Date(Date.now() + 5 * 60_000);
    due.setUTCSeconds(0, 0);
    const timerDef = { name: 'Bench timers', type: 'approval', start: 'wait', steps: [{ id: 'wait', kind: 'timer', until: due.toISOString(), next: 'done' }, { id: 'done', kind: 'end' }] };
    const timerCompanies = [{ companyId: w.companyId, admin: w.admin }];
    for (let n = 1; n < TIMER_COMPANIES; n++) timerCompanies.push(await w.company(n));
    const timerDefs = await Promise.all(timerCompanies.map(async (c) => ({ companyId: c.companyId, id: (await must(call('POST', '/workflow/definitions', c.admin, { definition: timerDef }), 201, 'definition')).id as string })));
    const instances = app.get(WorkflowInstances);
    let made = 0;
    const armStart = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (made < TIMERS) {
          const d = timerDefs[made++ % timerDefs.length];
          await instances.start(d.companyId, d.id, {}, commandMeta({ actorId: 'bench', companyId: d.companyId }));
        }
      }),
    );
    out.timersArmSeconds = round((performance.now() - armStart) / 1000, 1);
    // Move the due time to now for every timer at once (the same minute), then start the workers.
    await db.ownerTransaction((tx) => tx.execute(`UPDATE pgboss.job SET start_after = now() WHERE name = $1 AND state = 'created'`, TIMER_JOB));
    const fireStart = performance.now();
    for (let i = 0; i < TIMER_WORKERS; i++) {
      const jobs = i === 0 ? app.get(Jobs) : new Jobs(db, new Metrics(db), config);
      if (i > 0) jobs.register<TimerPayload>({ name: TIMER_JOB, retry: { limit: 5, delaySeconds: 5, backoff: true }, handler: (p) => instances.fireTimer(p) });
      if (i > 0) extraJobs.push(jobs);
      await jobs.start({ work: true });
    }
    const count = async (sql: string, ...params: unknown[]) => Number((await db.ownerTransaction((tx) => tx.query<{ n: string }>(sql, ...params)))[0].n);
    let fired = 0;
    const deadline = performance.now() + 180_000;
    while (performance.now() < deadline) {
      fired = await count(`SELECT count(*) AS n FROM workflow_instances WHERE definition_id = ANY($1::text[]) AND status = 'completed'`, timerDefs.map((d) => d.id));
      if (fired >= TIMERS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    out.timersDue = TIMERS;
    out.timersSecondsToFireAll = round((performance.now() - fireStart) / 1000, 1);
    out.timersFired = fired;
    // Exactly once: one WorkflowTimedOut per instance, none twice.
    const timedOut = await count(`SELECT count(*) AS n FROM events WHERE type = 'WorkflowTimedOut'`);
    const twice = await count(`SELECT count(*) AS n FROM (SELECT stream_id FROM events WHERE type = 'WorkflowTimedOut' GROUP BY stream_id HAVING count(*) > 1) x`);
    out.timersFiredOnce = timedOut === TIMERS && twice === 0 && fired === TIMERS;
    out.timersTargetMet = out.timersFiredOnce === true && (out.timersSecondsToFireAll as number) <= 60;
  } finally {
    for (const j of extraJobs) await j.stop().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
  console.log(JSON.stringify(out));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
