import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApi } from '../../apps/api/bootstrap';
import { WORKFLOW_SETTINGS } from '@maple/workflow';
import type { WorkflowSettings } from '@maple/workflow';
import type { TestDatabase } from '../support/databases';
import { PASSWORD, buildWorld, call, signIn } from '../security/world';
import type { Member, World } from '../security/world';

// The workflow suites' world: the security world (two companies, one user per role), both on
// PROFESSIONAL (the workflow module), and two more compliance officers for quorums.

export type WorkflowWorld = World & { co2: Member; co3: Member };

/** The API over a test database; failing actions are retried fast (once, after 1 s). */
export async function startWorkflowApi(t: TestDatabase): Promise<NestFastifyApplication> {
  const app = await createApi({ config: t.config, database: t.db, ownsDatabase: false });
  const settings = app.get<WorkflowSettings>(WORKFLOW_SETTINGS);
  settings.actionRetry = { limit: 1, delaySeconds: 1 };
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export async function buildWorkflowWorld(app: NestFastifyApplication): Promise<WorkflowWorld> {
  const w = await buildWorld(app);
  for (const c of [w.a.companyId, w.b.companyId]) {
    const plan = await call(app, { method: 'POST', url: `/billing/companies/${c}/subscription`, token: w.platform.token, payload: { tier: 'PROFESSIONAL', billingCycle: 'monthly', price: '49.00' } });
    if (plan.statusCode !== 201) throw new Error(`subscription: ${plan.statusCode} ${plan.body}`);
  }
  const officer = async (n: number): Promise<Member> => {
    const email = `co${n}.${w.a.companyId}@acme.test`.toLowerCase();
    const u = await call(app, { method: 'POST', url: '/users', token: w.a.users.ADMIN.token, payload: { email, role: 'COMPLIANCE_OFFICER', password: PASSWORD, name: `Officer ${n}` } });
    if (u.statusCode !== 201) throw new Error(`officer: ${u.statusCode} ${u.body}`);
    return { id: u.json().id, email, ...(await signIn(app, email)) };
  };
  return { ...w, co2: await officer(2), co3: await officer(3) };
}

export function client(app: NestFastifyApplication) {
  return {
    post: (url: string, token: string, payload: unknown = {}) => call(app, { method: 'POST', url, token, payload }),
    get: (url: string, token: string) => call(app, { method: 'GET', url, token }),
  };
}

/** Polls until `probe` returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 30_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Json = Record<string, unknown>;
export const task = (id: string, assignee: Json, next: string, extra: Json = {}) => ({ id, kind: 'task', assignee, next, ...extra });
export const approval = (id: string, assignees: Json, complete: unknown, next: string, extra: Json = {}) => ({ id, kind: 'approval', assignees, complete, next, ...extra });
export const end = (id: string, outcome = 'done') => ({ id, kind: 'end', outcome });
export const definition = (steps: unknown[], extra: Json = {}) => ({ name: 'Test workflow', type: 'approval', start: (steps[0] as { id: string }).id, steps, ...extra });
