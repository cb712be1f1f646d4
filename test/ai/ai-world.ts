import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApi } from '../../apps/api/bootstrap';
import type { TestDatabase } from '../support/databases';
import { buildWorld, call } from '../security/world';
import type { World } from '../security/world';

// The AI suites' world: the security world (two companies, one user per role) with both
// companies on a plan that has the AI module.

export async function startApi(t: TestDatabase): Promise<NestFastifyApplication> {
  const app = await createApi({ config: t.config, database: t.db, ownsDatabase: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export async function buildAiWorld(app: NestFastifyApplication): Promise<World> {
  const w = await buildWorld(app);
  for (const co of [w.a.companyId, w.b.companyId]) {
    const plan = await call(app, { method: 'POST', url: `/billing/companies/${co}/subscription`, token: w.platform.token, payload: { tier: 'PROFESSIONAL', billingCycle: 'monthly', price: '49.00' } });
    if (plan.statusCode !== 201) throw new Error(`subscription: ${plan.statusCode} ${plan.body}`);
  }
  return w;
}

export const SHA = (c: string) => c.repeat(64).slice(0, 64);

export const CARD = { intendedUse: 'Ranking AML alerts for review.', outOfScopeUse: 'Deciding alone.', metricsByGroup: { 'region:EU': { auc: 0.9 } }, limitations: 'EU data only.' };

export const versionBody = (version: string, riskTier = 'high', over: Record<string, unknown> = {}) => ({
  version,
  artifactDigest: SHA('a'),
  lineage: { dataSnapshotHash: SHA('b'), codeCommit: '4ba11ce', parentVersionId: null },
  configuration: { thresholds: { auc: { min: 0.85 } }, driftOutput: 'score', driftThreshold: 0.2 },
  modelCard: CARD,
  riskTier,
  ...over,
});

export const REPORT = { metrics: { auc: 0.91 }, baseline: { edges: [0, 0.25, 0.5, 0.75, 1], proportions: [0.25, 0.25, 0.25, 0.25] } };

export const prediction = (score: number) => ({ input: { amount: 1000 * score, country: 'DE' }, output: { score, label: score > 0.5 ? 'review' : 'clear' }, explanation: [{ feature: 'amount', contribution: score / 2 }], purpose: 'aml-alert-triage', latencyMs: 1.5 });
