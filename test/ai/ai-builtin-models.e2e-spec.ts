import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { call } from '../security/world';
import type { World } from '../security/world';
import { buildAiWorld, startApi } from './ai-world';

// Maple's own models are registry versions, and every compliance decision names its entry.
describeEachDatabase("Maple's own models in the AI registry", (ctx) => {
  let app: NestFastifyApplication;
  let w: World;

  beforeAll(async () => {
    app = await startApi(ctx());
    w = await buildAiWorld(app);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('registers rules-1 and jw-token-1 as deployed global versions with their weights', async () => {
    const res = await call(app, { method: 'GET', url: '/ai/global-models', token: w.a.users.ANALYST.token });
    const items = (res.json() as { items: { id: string; version: string; deployedVersionId: string; riskTier: string; artifactDigest: string }[] }).items;
    expect(items.find((i) => i.id === 'maple-compliance-risk')).toMatchObject({ version: 'rules-1', deployedVersionId: 'maple-compliance-risk@rules-1', riskTier: 'high', artifactDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(items.find((i) => i.id === 'maple-sanctions-matcher')).toMatchObject({ version: 'jw-token-1', deployedVersionId: 'maple-sanctions-matcher@jw-token-1' });
    const [weights] = await ctx().superuser(`SELECT configuration FROM "AIModel" WHERE id = 'maple-compliance-risk@rules-1'`);
    expect(weights.configuration).toMatchObject({ weights: { base: 5, highRiskCountry: 25 } });
  });

  it('names the registry version of rules-1 in the risk score of a new compliance record', async () => {
    const created = await call(app, { method: 'POST', url: '/compliance/records', token: w.a.users.COMPLIANCE_OFFICER.token, payload: { type: 'AML', data: { counterparty: 'Acme Trading', amount: '250000.00', currency: 'EUR', country: 'DE', channel: 'wire' } } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const [event] = await ctx().superuser(`SELECT data FROM events WHERE stream_id = $1 AND type = 'ComplianceRecordCreated'`, [`compliance-record-${id}`]);
    expect((event.data as { risk: unknown }).risk).toMatchObject({ model: 'rules-1', registryVersionId: 'maple-compliance-risk@rules-1' });
    const [registered] = await ctx().superuser(`SELECT status FROM "AIModel" WHERE id = 'maple-compliance-risk@rules-1'`);
    expect(registered.status).toBe('deployed');
  });
});
