import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { call } from '../security/world';
import type { World } from '../security/world';
import { REPORT, buildAiWorld, startApi, versionBody } from './ai-world';

type Version = { id: string; version: string; status: string; approvals: { by: string }[] };
type Model = { id: string; deployedVersionId: string | null; aliases: Record<string, string>; versions: Version[]; aliasHistory: { alias: string; versionId: string; previousVersionId: string | null }[] };

// A model version's lifecycle as its users meet it over HTTP: registration, validation against
// the thresholds, two-person approval, one deployed version, aliases; every refusal with its code.
describeEachDatabase('AI model registry over HTTP', (ctx, target) => {
  let app: NestFastifyApplication;
  let w: World;
  const analyst = () => w.a.users.ANALYST;
  const post = (url: string, token: string, payload: unknown = {}) => call(app, { method: 'POST', url, token, payload });
  const get = (url: string, token: string) => call(app, { method: 'GET', url, token });
  const history = async (modelId: string) => {
    const res = await get(`/audit/entities/AiModel/${modelId}/history`, w.a.users.ADMIN.token);
    expect(res.statusCode).toBe(200);
    return (res.json() as { items: { type: string; action: string; userId: string }[] }).items.map((i) => [i.type, i.action, i.userId]);
  };
  const newModel = async (name: string) => {
    const res = await post('/ai/models', analyst().token, { name, type: 'compliance' });
    expect(res.statusCode).toBe(201);
    return (res.json() as Model).id;
  };
  const newVersion = async (modelId: string, version: string, riskTier = 'high', over: Record<string, unknown> = {}) => {
    const res = await post(`/ai/models/${modelId}/versions`, analyst().token, versionBody(version, riskTier, over));
    expect(res.statusCode).toBe(201);
    return (res.json() as Model).versions.find((v) => v.version === version)!.id;
  };

  beforeAll(async () => {
    app = await startApi(ctx());
    w = await buildAiWorld(app);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('takes a high-risk version from training to deployed with two approvers, and audits every step with its actor', async () => {
    const id = await newModel('aml-ranker');
    const v1 = await newVersion(id, '1.0.0');
    const base = `/ai/models/${id}/versions/${v1}`;
    // Editing in training is allowed; the model card is part of the version.
    expect((await call(app, { method: 'PATCH', url: base, token: analyst().token, payload: { configuration: { thresholds: { auc: { min: 0.85 } }, driftThreshold: 0.2 } } })).statusCode).toBe(200);
    const deployEarly = await post(`${base}/deploy`, analyst().token);
    expect(deployEarly.statusCode).toBe(409);
    expect(deployEarly.json().code).toBe('AI.VERSION_NOT_APPROVED');
    const validated = await post(`${base}/validate`, analyst().token, REPORT);
    expect(validated.statusCode).toBe(200);
    expect((validated.json() as Model).versions[0]).toMatchObject({ status: 'validated', performance: { auc: 0.91 } });
    // A validated version is immutable.
    const edit = await call(app, { method: 'PATCH', url: base, token: analyst().token, payload: { modelCard: null } });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().code).toBe('AI.VERSION_IMMUTABLE');
    // The author is an ADMIN here, so that the self-approval refusal is about authorship, not permission.
    const own = await newVersion(id, '1.0.1-self', 'low');
    const ownAdmin = await post(`/ai/models/${id}/versions`, w.a.users.ADMIN.token, versionBody('1.0.2-admin', 'low'));
    const adminVersion = (ownAdmin.json() as Model).versions.find((v) => v.version === '1.0.2-admin')!.id;
    expect((await post(`/ai/models/${id}/versions/${adminVersion}/validate`, w.a.users.ADMIN.token, REPORT)).statusCode).toBe(200);
    const self = await post(`/ai/models/${id}/versions/${adminVersion}/approve`, w.a.users.ADMIN.token);
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('AI.SELF_APPROVAL');
    expect(own).toBeDefined();

    const first = await post(`${base}/approve`, w.a.users.COMPLIANCE_OFFICER.token);
    expect(first.statusCode).toBe(200);
    expect((first.json() as Model).versions.find((v) => v.id === v1)).toMatchObject({ status: 'validated', approvals: [{ by: w.a.users.COMPLIANCE_OFFICER.id }] });
    // One approval of a high-risk version is not enough: deploying is refused, and the same approver cannot count twice.
    expect((await post(`${base}/deploy`, analyst().token)).json().code).toBe('AI.VERSION_NOT_APPROVED');
    const twice = await post(`${base}/approve`, w.a.users.COMPLIANCE_OFFICER.token);
    expect(twice.statusCode).toBe(403);
    expect(twice.json().code).toBe('AI.SECOND_APPROVER_REQUIRED');
    const second = await post(`${base}/approve`, w.a.users.ADMIN.token);
    expect((second.json() as Model).versions.find((v) => v.id === v1)).toMatchObject({ status: 'approved' });
    const deployed = await post(`${base}/deploy`, analyst().token);
    expect(deployed.statusCode).toBe(200);
    expect(deployed.json()).toMatchObject({ deployedVersionId: v1 });

    // A second version deployed retires the first.
    const v2 = await newVersion(id, '1.1.0', 'medium', { lineage: { dataSnapshotHash: 'c'.repeat(64), codeCommit: 'abcdef1', parentVersionId: v1 } });
    expect((await post(`/ai/models/${id}/versions/${v2}/validate`, analyst().token, REPORT)).statusCode).toBe(200);
    expect((await post(`/ai/models/${id}/versions/${v2}/approve`, w.a.users.COMPLIANCE_OFFICER.token)).json().versions.find((v: Version) => v.id === v2).status).toBe('approved');
    const swap = (await post(`/ai/models/${id}/versions/${v2}/deploy`, analyst().token)).json() as Model;
    expect(swap.deployedVersionId).toBe(v2);
    expect(swap.versions.filter((v) => v.status === 'deployed').map((v) => v.id)).toEqual([v2]);
    expect(swap.versions.find((v) => v.id === v1)?.status).toBe('retired');

    // Aliases move by command and keep their history.
    expect((await post(`/ai/models/${id}/aliases/champion`, analyst().token, { versionId: v1 })).statusCode).toBe(200);
    const moved = (await post(`/ai/models/${id}/aliases/champion`, analyst().token, { versionId: v2 })).json() as Model;
    expect(moved.aliases).toEqual({ champion: v2 });
    expect(moved.aliasHistory.map((h) => [h.alias, h.versionId, h.previousVersionId])).toEqual([
      ['champion', v1, null],
      ['champion', v2, v1],
    ]);
    expect((await post(`/ai/models/${id}/aliases/referee`, analyst().token, { versionId: v2 })).json().code).toBe('AI.INPUT_INVALID');
    const archived = (await post(`/ai/models/${id}/versions/${v1}/archive`, analyst().token)).json() as Model;
    expect(archived.versions.find((v) => v.id === v1)?.status).toBe('archived');

    const steps = await history(id);
    const analystId = analyst().id;
    expect(steps[0]).toEqual(['AiModelRegistered', 'CREATE', analystId]);
    expect(steps.map((s) => s[0])).toEqual([
      'AiModelRegistered',
      'AiModelVersionRegistered',
      'AiModelVersionAmended',
      'AiModelVersionValidated',
      'AiModelVersionRegistered',
      'AiModelVersionRegistered',
      'AiModelVersionValidated',
      'AiModelVersionApprovalRecorded',
      'AiModelVersionApproved',
      'AiModelVersionDeployed',
      'AiModelVersionRegistered',
      'AiModelVersionValidated',
      'AiModelVersionApproved',
      'AiModelVersionDeployed',
      'AiModelAliasMoved',
      'AiModelAliasMoved',
      'AiModelVersionArchived',
    ]);
    expect(steps.find((s) => s[0] === 'AiModelVersionApprovalRecorded')?.[2]).toBe(w.a.users.COMPLIANCE_OFFICER.id);
    expect(steps.find((s) => s[0] === 'AiModelVersionApproved')?.[2]).toBe(w.a.users.ADMIN.id);
  });

  it('refuses a validation below the thresholds and records nothing', async () => {
    const id = await newModel('weak-ranker');
    const v = await newVersion(id, '0.1.0', 'low');
    const before = await history(id);
    const low = await post(`/ai/models/${id}/versions/${v}/validate`, analyst().token, { metrics: { auc: 0.6 } });
    expect(low.statusCode).toBe(422);
    expect(low.headers['content-type']).toContain('application/problem+json');
    expect(low.json()).toMatchObject({ code: 'AI.VALIDATION_BELOW_THRESHOLD', failures: [{ metric: 'auc', value: 0.6, min: 0.85 }] });
    expect(await history(id)).toEqual(before);
    expect(((await get(`/ai/models/${id}`, analyst().token)).json() as Model).versions[0].status).toBe('training');
  });

  it('refuses bad input with AI.INPUT_INVALID naming the field, and changes nothing', async () => {
    const id = await newModel('strict-ranker');
    const before = await history(id);
    const cases: [unknown, string][] = [
      [{ ...versionBody('1'), artifactDigest: 'xyz' }, 'artifactDigest'],
      [{ ...versionBody('1'), riskTier: 'extreme' }, 'riskTier'],
      [{ ...versionBody('1'), lineage: { dataSnapshotHash: 'a'.repeat(64), codeCommit: 'zz' } }, 'lineage.codeCommit'],
      [{ ...versionBody('1'), modelCard: { ...versionBody('1').modelCard, secretSauce: 1 } }, 'modelCard.secretSauce'],
      [{ ...versionBody('1'), configuration: { thresholds: { auc: 0.8 } } }, 'configuration.thresholds.auc'],
      [{ ...versionBody('1'), version: 'a b' }, 'version'],
    ];
    for (const [payload, field] of cases) {
      const res = await post(`/ai/models/${id}/versions`, analyst().token, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'AI.INPUT_INVALID', field });
    }
    expect((await post('/ai/models', analyst().token, { name: 'Bad Name!', type: 'compliance' })).json()).toMatchObject({ code: 'AI.INPUT_INVALID', field: 'name' });
    expect((await post('/ai/models', analyst().token, { name: 'ok-name', type: 'oracle' })).json()).toMatchObject({ code: 'AI.INPUT_INVALID', field: 'type' });
    expect(await history(id)).toEqual(before);
    // A model card is required before approval.
    const v = await newVersion(id, '2.0.0', 'low', { modelCard: null });
    await post(`/ai/models/${id}/versions/${v}/validate`, analyst().token, REPORT);
    expect((await post(`/ai/models/${id}/versions/${v}/approve`, w.a.users.COMPLIANCE_OFFICER.token)).json().code).toBe('AI.MODEL_CARD_REQUIRED');
    // Only holders of ai:approve approve.
    expect((await post(`/ai/models/${id}/versions/${v}/approve`, w.a.users.USER.token)).statusCode).toBe(403);
  });

  // PGlite runs one transaction at a time: races are checked on the PostgreSQL server only.
  (target === 'postgres' ? it : it.skip)('leaves exactly one version deployed when two deployments race', async () => {
    const id = await newModel('race-ranker');
    const ids: string[] = [];
    for (const n of ['1', '2']) {
      const v = await newVersion(id, `${n}.0.0`, 'low');
      await post(`/ai/models/${id}/versions/${v}/validate`, analyst().token, REPORT);
      expect((await post(`/ai/models/${id}/versions/${v}/approve`, w.a.users.COMPLIANCE_OFFICER.token)).statusCode).toBe(200);
      ids.push(v);
    }
    const answers = await Promise.all(ids.map((v) => post(`/ai/models/${id}/versions/${v}/deploy`, analyst().token)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    const m = (await get(`/ai/models/${id}`, analyst().token)).json() as Model;
    const deployed = m.versions.filter((v) => v.status === 'deployed');
    expect(deployed).toHaveLength(1);
    expect(m.deployedVersionId).toBe(deployed[0].id);
    expect(m.versions.filter((v) => v.status === 'retired')).toHaveLength(1);
  });

  (target === 'postgres' ? it : it.skip)('registers one of two racing models with the same name and refuses the other with 409', async () => {
    const answers = await Promise.all([1, 2].map(() => post('/ai/models', analyst().token, { name: 'twin-ranker', type: 'analytics' })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409]);
    expect(answers.find((a) => a.statusCode === 409)?.json().code).toBe('AI.MODEL_EXISTS');
    const [{ n }] = await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE type = 'AiModelRegistered' AND data->>'name' = 'twin-ranker'`);
    expect(n).toBe(1);
  });

  it("shows company B none of company A's models", async () => {
    const id = await newModel('private-ranker');
    expect((await get(`/ai/models/${id}`, w.b.users.ANALYST.token)).statusCode).toBe(404);
    expect((await post(`/ai/models/${id}/versions`, w.b.users.ANALYST.token, versionBody('9.9.9'))).statusCode).toBe(404);
    const names = ((await get('/ai/models', w.b.users.ANALYST.token)).json() as { items: { name: string }[] }).items.map((i) => i.name);
    expect(names).toEqual([]);
  });
});
