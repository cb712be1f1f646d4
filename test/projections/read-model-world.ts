import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ComplianceRecords } from '@maple/compliance';
import { BootstrapAdmin, UserCommands } from '@maple/identity';
import { DomainError, commandMeta } from '@maple/platform';
import type { Role } from '@maple/platform';
import { SubscriptionCommands } from '@maple/billing';
import { CompanyCommands } from '@maple/tenancy';
import { AppModule } from '../../apps/api/app.module';
import type { TestDatabase } from '../support/databases';

// Every context wired as in the API (all inline projections and invariants), driven through
// the contexts' own command services: the rebuild tests replay what real commands wrote.

export const PASSWORD = 'amber-harbour-quartz-19';
const ROLES: Role[] = ['USER', 'ANALYST', 'VIEWER', 'COMPLIANCE_OFFICER'];

export type Tenant = { companyId: string; users: string[]; pending: string[] };

export async function startContexts(t: TestDatabase): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(
    AppModule.register({ config: { ...t.config, projections: { ...t.config.projections, inProcess: false } }, database: t.db, ownsDatabase: false }),
    { logger: false },
  );
  await app.init();
  return app;
}

const aml = (amount: number) => ({ type: 'AML', data: { counterparty: 'Globex GmbH', amount: `${amount}.00`, currency: 'EUR', country: 'DE', channel: 'wire' } });

let seq = 0;

/** A platform admin and `companies` companies, each with a subscription, users and records. */
export async function buildTenants(app: INestApplicationContext, companies: number, tag = `rb${++seq}`): Promise<{ admin: string; tenants: Tenant[] }> {
  const { id: admin } = await app.get(BootstrapAdmin).createPlatformAdmin(`root.${tag}@platform.test`, PASSWORD, 'Root');
  const platform = () => commandMeta({ actorId: admin, companyId: null, ip: '10.9.0.1', userAgent: 'rebuild-test' });
  const tenants: Tenant[] = [];
  for (let c = 0; c < companies; c++) {
    const { id: companyId } = await app.get(CompanyCommands).create({ name: `Co ${tag} ${c}`, industry: 'finance', size: 'SMB', region: 'EU', complianceLevel: 'Basic' }, platform());
    // Half the companies get their subscription after their first user, so both paths that set User.subscriptionId run.
    const subscribe = () => app.get(SubscriptionCommands).start(companyId, { tier: 'PROFESSIONAL', billingCycle: 'monthly', price: '99.00' }, platform());
    if (c % 2 === 0) await subscribe();
    const users: string[] = [];
    for (let u = 0; u < 2; u++) {
      const { id } = await app.get(UserCommands).register({ email: `u${u}.${c}.${tag}@acme.test`, name: `User ${u}`, role: ROLES[u % ROLES.length], companyId, password: PASSWORD }, commandMeta({ actorId: admin, companyId }));
      users.push(id);
    }
    if (c % 2 === 1) await subscribe();
    const pending: string[] = [];
    for (let r = 0; r < 3; r++) pending.push((await app.get(ComplianceRecords).create(companyId, aml(1000 + r), commandMeta({ actorId: users[0], companyId }))).recordId);
    tenants.push({ companyId, users, pending });
  }
  return { admin, tenants };
}

export type Workload = {
  /** Commands that committed. */
  done(): number;
  /** Stops the writers; returns the unexpected errors they met (a refused command is expected). */
  stop(): Promise<string[]>;
};

/**
 * `writers` loops of mixed commands over the tenants: records created, approved and rejected,
 * company profiles changed, roles changed, users deactivated and back, billing cycles switched,
 * now and then a new user. Every command touches AuditLog and one of the other read models.
 */
export function startWorkload(app: INestApplicationContext, world: { admin: string; tenants: Tenant[] }, writers: number): Workload {
  let running = true;
  let committed = 0;
  const unexpected: string[] = [];
  const loops = Array.from({ length: writers }, (_, w) =>
    (async () => {
      for (let i = 0; running; i++) {
        try {
          await step(app, world, w, i);
          committed++;
        } catch (e) {
          if (!(e instanceof DomainError)) unexpected.push((e as Error).message);
        }
      }
    })(),
  );
  return {
    done: () => committed,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return unexpected;
    },
  };
}

/** One command, chosen by writer and step (deterministic, so every kind runs often). */
export async function step(app: INestApplicationContext, world: { admin: string; tenants: Tenant[] }, writer: number, i: number): Promise<void> {
  const t = world.tenants[(writer + i) % world.tenants.length];
  const as = (actorId: string) => commandMeta({ actorId, companyId: t.companyId, ip: `10.9.${writer}.${i % 250}`, userAgent: 'rebuild-test' });
  const records = app.get(ComplianceRecords);
  switch (i % 8) {
    case 0:
    case 1: {
      const r = await records.create(t.companyId, aml(500 + i), as(t.users[0]));
      t.pending.push(r.recordId);
      return;
    }
    case 2: {
      const id = t.pending.shift();
      if (id) await records.approve(id, t.companyId, 'documents verified', 'COMPLIANCE_OFFICER', as(t.users[1]));
      return;
    }
    case 3: {
      const id = t.pending.shift();
      if (id) await records.reject(id, t.companyId, 'counterparty unknown', 'COMPLIANCE_OFFICER', as(t.users[1]));
      return;
    }
    case 4:
      await app.get(CompanyCommands).update(t.companyId, { name: `Co ${t.companyId.slice(0, 8)} v${i}`, region: i % 2 ? 'EU' : 'US' }, as(world.admin));
      return;
    case 5: {
      const user = t.users[1 + (i % (t.users.length - 1))];
      await app.get(UserCommands).changeRole(user, ROLES[i % ROLES.length], as(world.admin));
      return;
    }
    case 6: {
      const user = t.users[t.users.length - 1];
      const users = app.get(UserCommands);
      await users.deactivate(user, as(world.admin));
      await users.reactivate(user, as(world.admin));
      return;
    }
    default:
      if (i % 32 === 7) {
        const { id } = await app.get(UserCommands).register({ email: `w${writer}.${i}.${t.companyId}@acme.test`, name: null, role: 'VIEWER', companyId: t.companyId, password: PASSWORD }, as(world.admin));
        t.users.push(id);
        return;
      }
      await app.get(SubscriptionCommands).changeBillingCycle(t.companyId, i % 2 ? { billingCycle: 'annual', price: '990.00' } : { billingCycle: 'monthly', price: '99.00' }, as(world.admin));
  }
}
