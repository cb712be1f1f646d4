import type { Projection } from '../cqrs/projection';
import { planAll, planRebuild } from './rebuild-plan';

const projection = (name: string, tables: string[]): Projection => ({ name, handles: '*', tables, apply: async () => undefined });

describe('planRebuild', () => {
  const users = projection('identity.users', ['User']);
  const billing = projection('billing.subscriptions', ['Subscription', 'User']);
  const audit = projection('audit-log', ['AuditLog', 'audit_entity_state']);
  const relay = projection('relay', []);
  const registered = [
    { projection: audit, inline: true },
    { projection: users, inline: true },
    { projection: billing, inline: true },
    { projection: relay, inline: false },
  ];

  it('rebuilds every projection that writes one of the tables, and their tables, in registration order', () => {
    const plan = planRebuild(registered, 'identity.users');
    expect(plan.projections.map((p) => p.name)).toEqual(['identity.users', 'billing.subscriptions']);
    expect([...plan.tables].sort()).toEqual(['Subscription', 'User']);
    expect(plan.mode).toBe('inline');
    expect(planRebuild(registered, 'billing.subscriptions').projections).toEqual(plan.projections);
  });

  it('leaves projections that share no table alone', () => {
    expect(planRebuild(registered, 'audit-log')).toEqual({ projections: [audit], tables: ['AuditLog', 'audit_entity_state'], mode: 'inline' });
  });

  it('refuses an unknown name, listing what can be rebuilt, and a projection without tables', () => {
    expect(() => planRebuild(registered, 'nope')).toThrow(expect.objectContaining({ code: 'REBUILD.PROJECTION_NOT_FOUND', message: expect.stringContaining('audit-log, identity.users, billing.subscriptions') }));
    expect(() => planRebuild(registered, 'relay')).toThrow(expect.objectContaining({ code: 'REBUILD.NO_TABLES' }));
  });

  it('refuses tables written by inline and async projections together', () => {
    const daemonOnUser = projection('analytics.user-stats', ['User']);
    expect(() => planRebuild([...registered, { projection: daemonOnUser, inline: false }], 'identity.users')).toThrow(expect.objectContaining({ code: 'REBUILD.MIXED_MODES' }));
  });

  it('plans each group once for --all', () => {
    expect(planAll(registered).map((p) => p.projections.map((x) => x.name))).toEqual([['audit-log'], ['identity.users', 'billing.subscriptions']]);
  });
});
