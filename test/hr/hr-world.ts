import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApi } from '../../apps/api/bootstrap';
import { createRootLogger } from '@maple/platform';
import type { TestDatabase } from '../support/databases';
import { PASSWORD, buildWorld, call, signIn } from '../security/world';
import type { Member, World } from '../security/world';

// The HR suites' world: the security world (two companies, one user per role), company A on
// a plan with the HR module, a second HR manager for four-eyes, and every log line the API
// writes kept, to prove no personal value ever reaches the logs.

export type HrWorld = World & { hr2: Member; logs: string[] };

/** The API over a test database, with its log lines (at debug level) captured in `logs`. */
export async function startLoggedApi(t: TestDatabase, logs: string[]): Promise<NestFastifyApplication> {
  const sink = { write: (line: string) => void logs.push(line) };
  const app = await createApi({ config: t.config, database: t.db, ownsDatabase: false, logger: createRootLogger('debug', sink) });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export async function buildHrWorld(app: NestFastifyApplication, logs: string[], tier = 'PROFESSIONAL'): Promise<HrWorld> {
  const w = await buildWorld(app);
  const plan = await call(app, { method: 'POST', url: `/billing/companies/${w.a.companyId}/subscription`, token: w.platform.token, payload: { tier, billingCycle: 'monthly', price: '49.00' } });
  if (plan.statusCode !== 201) throw new Error(`subscription: ${plan.statusCode} ${plan.body}`);
  const email = `hr2.${w.a.companyId}@acme.test`.toLowerCase();
  const u = await call(app, { method: 'POST', url: '/users', token: w.a.users.ADMIN.token, payload: { email, role: 'HR_MANAGER', password: PASSWORD, name: 'Second HR manager' } });
  if (u.statusCode !== 201) throw new Error(`hr2: ${u.statusCode} ${u.body}`);
  return { ...w, hr2: { id: u.json().id, email, ...(await signIn(app, email)) }, logs };
}

export const PURPOSE = { 'x-purpose': 'jest: checking the HR lifecycle' };

/** An employee with every personal and sensitive field set: the values the raw-storage checks look for. */
export const employeeData = (tag: string) => ({
  fullName: `Grace Hopper ${tag}`,
  email: `grace.${tag}@example.test`,
  phone: '+41 44 555 01 23',
  address: `Bahnhofstrasse ${tag}, Zürich`,
  dateOfBirth: '1986-12-09',
  nationalId: `756.${tag.padStart(4, '0').slice(-4)}.5678.97`,
  bankAccount: `CH93 0076 2011 6238 ${tag.padStart(4, '0').slice(-4)}`,
  position: 'Engineer',
  department: 'Platform',
  employmentType: 'full-time',
  salary: '91234.56',
  currency: 'CHF',
  startDate: '2026-01-05',
});

/** A later "now" for retention runs (events cannot be back-dated). */
export function yearsFromNow(years: number): Date {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}
