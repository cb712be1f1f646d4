import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDatabase, repoRoot } from '../support/databases';
import { buildTenants, startContexts } from './read-model-world';

// `npm run cli -- projections ...` as an operator runs it: the built CLI in its own process.
function cli(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'apps', 'cli', 'main.js'), 'projections', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describeEachDatabase('projections CLI', (ctx, target) => {
  let env: Record<string, string>;
  let dataDir: string | undefined;
  beforeAll(async () => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(build.stderr);
    if (target === 'postgres') {
      const app = await startContexts(ctx());
      await buildTenants(app, 2);
      await app.close();
      env = { DATABASE_URL: ctx().url! };
    } else {
      // The embedded database is one process's: the CLI gets a data folder of its own.
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'maple-cli-rebuild-'));
      env = { DATA_DIR: dataDir };
    }
  }, 180_000);
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('rebuilds every read model, compares them row for row, and leaves an audit row per rebuild', async () => {
    const r = cli(env, 'rebuild', '--compare', '--actor', 'ops:rebuild-test');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    for (const tables of ['AuditLog, audit_entity_state', 'Company', 'User, Subscription', 'ComplianceRecord', 'HRRecord, hr_employee_changes', 'hr_subjects, hr_retention_policies, hr_retention_proposals', 'ai_models, AIModel, ai_alias_history', 'ai_prediction_reviews, ai_acceptances, ai_prediction_seals', 'analytics_batches, analytics_settings', 'Workflow, workflow_definition_versions, workflow_instances, workflow_tasks']) expect(r.out).toContain(`Rebuilding ${tables} from the event store`);
    expect(r.out.match(/identical to the live tables, row for row/g)).toHaveLength(10);
    if (target === 'postgres') {
      const rows = await ctx().superuser(`SELECT action, "userId", "companyId" FROM "AuditLog" WHERE "entityType" = 'ProjectionRebuild'`);
      expect(rows).toEqual(Array(10).fill({ action: 'CREATE', userId: 'ops:rebuild-test', companyId: '__platform__' }));
    }
    const status = cli(env, 'status');
    expect(status.code).toBe(0);
    expect(status.out.match(/ swapped /g)).toHaveLength(10);
    expect(status.out).toContain('billing.subscriptions        Subscription, User');
  }, 240_000);

  it('names what it can rebuild when asked for something else, and exits 1', () => {
    const r = cli(env, 'rebuild', 'nope');
    expect(r.code).toBe(1);
    expect(r.err).toBe('REBUILD.PROJECTION_NOT_FOUND: Unknown projection "nope". Rebuildable: audit-log, tenancy.companies, identity.users, billing.subscriptions, compliance.records, hr.records, hr.subjects, ai.registry, ai.oversight, analytics.batches, workflow.\n');
  }, 120_000);
});
