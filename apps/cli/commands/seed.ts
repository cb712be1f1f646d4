import { SubscriptionCommands } from '@maple/billing';
import { SanctionsStore } from '@maple/compliance';
import { CompanyCommands } from '@maple/tenancy';
import { BootstrapAdmin, UserCommands } from '@maple/identity';
import { DomainError, ROLES, commandMeta, describeDatabase } from '@maple/platform';
import type { CliCommand } from '../main';
import { withContexts } from './users';

const DEMO_COMPANY_ID = 'demo-company';
const emailOf = (role: string) => `${role.toLowerCase().replace(/_/g, '.')}@demo.maple.dev`;

// Already there from an earlier seed: fine, the seed is repeatable.
async function unlessExists(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    if (e instanceof DomainError && /ALREADY_EXISTS$/.test(e.code)) return false;
    throw e;
  }
}

export const seed: CliCommand = {
  usage: 'seed',
  summary: 'development only: a demo company with one user per role, and a platform admin',
  async run(_args, config) {
    // Demo credentials must never exist in production.
    if (config.env === 'production') {
      process.stderr.write('seed refuses to run with NODE_ENV=production.\n');
      return 1;
    }
    const password = 'maple-demo-' + DEMO_COMPANY_ID;
    // Everything goes through the commands, so the demo data has events and audit rows like real data.
    await withContexts(config, async (app) => {
      const meta = () => commandMeta({ actorId: 'system:seed', companyId: null });
      await unlessExists(() => app.get(BootstrapAdmin).createPlatformAdmin('platform@demo.maple.dev', password, 'Demo platform admin'));
      await unlessExists(() =>
        app.get(CompanyCommands).create({ name: 'Demo Bank plc', industry: 'Financial services', size: 'Enterprise', region: 'EU', complianceLevel: 'Enterprise' }, meta(), DEMO_COMPANY_ID),
      );
      // A PROFESSIONAL plan with room for the demo users, so every module can be tried.
      await unlessExists(() =>
        app.get(SubscriptionCommands).start(DEMO_COMPANY_ID, { tier: 'PROFESSIONAL', billingCycle: 'monthly', price: '99.00' }, commandMeta({ actorId: 'system:seed', companyId: DEMO_COMPANY_ID })),
      );
      for (const role of ROLES) {
        await unlessExists(() =>
          app.get(UserCommands).register({ email: emailOf(role), name: `Demo ${role.toLowerCase().replace(/_/g, ' ')}`, role, companyId: DEMO_COMPANY_ID, password }, commandMeta({ actorId: 'system:seed', companyId: DEMO_COMPANY_ID })),
        );
      }
      const sanctions = app.get(SanctionsStore);
      if (!(await sanctions.activeVersion())) await sanctions.importDirectory(config.cli.ofacSnapshotDir, 'system:seed');
    });
    process.stdout.write(`Seeded ${describeDatabase(config)}: platform@demo.maple.dev and company "${DEMO_COMPANY_ID}" with users ${ROLES.map(emailOf).join(', ')}; password "${password}"; OFAC snapshot from ${config.cli.ofacSnapshotDir} active.\n`);
    return 0;
  },
};
