import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AiDrift, AiPredictionSeals } from '@maple/ai';
import { ProjectionRuntime, commandMeta } from '@maple/platform';
import { systemEventsProjection } from '@maple/analytics';
import { describeEachDatabase } from '../support/databases';
import { call } from '../security/world';
import type { World } from '../security/world';
import { REPORT, buildAiWorld, prediction, startApi, versionBody } from './ai-world';

type Batch = { batchId: string; versionId: string; root: string; count: number; predictionIds: string[] };

// The prediction log over HTTP: only on a deployed, running version; sealed into the chain by
// batch so that a changed row is found at its position; human overrides; drift; global models.
describeEachDatabase('AI predictions, oversight and drift over HTTP', (ctx, target) => {
  let app: NestFastifyApplication;
  let w: World;
  let modelId: string;
  let versionId: string;
  const post = (url: string, token: string, payload: unknown = {}) => call(app, { method: 'POST', url, token, payload });
  const get = (url: string, token: string) => call(app, { method: 'GET', url, token });
  const meta = () => commandMeta({ actorId: 'system:test', companyId: null });

  beforeAll(async () => {
    app = await startApi(ctx());
    w = await buildAiWorld(app);
    const a = w.a.users;
    modelId = (await post('/ai/models', a.ANALYST.token, { name: 'triage', type: 'compliance' })).json().id;
    const reg = await post(`/ai/models/${modelId}/versions`, a.ANALYST.token, versionBody('1.0.0', 'low'));
    versionId = reg.json().versions[0].id;
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('refuses predictions on an undeployed version and on a stopped model, recording nothing', async () => {
    const a = w.a.users;
    const early = await post(`/ai/models/${modelId}/predictions`, a.USER.token, prediction(0.3));
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('AI.VERSION_NOT_DEPLOYED');
    await post(`/ai/models/${modelId}/versions/${versionId}/validate`, a.ANALYST.token, REPORT);
    await post(`/ai/models/${modelId}/versions/${versionId}/approve`, a.COMPLIANCE_OFFICER.token);
    expect((await post(`/ai/models/${modelId}/versions/${versionId}/deploy`, a.ANALYST.token)).statusCode).toBe(200);
    const ok = await post(`/ai/models/${modelId}/predictions`, a.USER.token, prediction(0.3));
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ versionId, count: 1 });
    const wrong = await post(`/ai/models/${modelId}/predictions`, a.USER.token, { ...prediction(0.3), versionId: 'another-version' });
    expect(wrong.json()).toMatchObject({ code: 'AI.VERSION_NOT_DEPLOYED', field: 'predictions.0.versionId' });

    expect((await post(`/ai/models/${modelId}/stop`, a.USER.token, { reason: 'x' })).statusCode).toBe(403);
    expect((await post(`/ai/models/${modelId}/stop`, a.COMPLIANCE_OFFICER.token, { reason: 'Scores inverted since 10:00.' })).json()).toMatchObject({ stopped: { reason: 'Scores inverted since 10:00.' } });
    const count = async () => Number((await ctx().superuser(`SELECT count(*)::int AS n FROM ai_predictions WHERE model_id = $1`, [modelId]))[0].n);
    const before = await count();
    const stopped = await post(`/ai/models/${modelId}/predictions/batch`, a.USER.token, { predictions: [prediction(0.1), prediction(0.2)] });
    expect(stopped.statusCode).toBe(423);
    expect(stopped.json().code).toBe('AI.MODEL_STOPPED');
    expect(await count()).toBe(before);
    expect((await post(`/ai/models/${modelId}/resume`, a.COMPLIANCE_OFFICER.token)).json()).toMatchObject({ stopped: null });
  });

  it('refuses malformed predictions with the field named', async () => {
    const t = w.a.users.USER.token;
    const url = `/ai/models/${modelId}/predictions`;
    expect((await post(url, t, { ...prediction(0.5), latencyMs: -1 })).json()).toMatchObject({ status: 400, code: 'AI.INPUT_INVALID', field: 'body.latencyMs' });
    expect((await post(url, t, { ...prediction(0.5), explanation: [{ feature: 'a', contribution: 'big' }] })).json()).toMatchObject({ code: 'AI.INPUT_INVALID', field: 'body.explanation.0' });
    expect((await post(url, t, { ...prediction(0.5), surprise: true })).json()).toMatchObject({ code: 'AI.INPUT_INVALID', field: 'body.surprise' });
    expect((await post(`${url}/batch`, t, { predictions: [] })).json()).toMatchObject({ code: 'AI.INPUT_INVALID', field: 'predictions' });
    const tooMany = await post(`${url}/batch`, t, { predictions: Array.from({ length: 1001 }, () => prediction(0.5)) });
    expect(tooMany.json()).toMatchObject({ code: 'AI.INPUT_INVALID', field: 'predictions' });
    const huge = await call(app, { method: 'POST', url, token: t, payload: `{"input":1,"output":{"score":1e999},"explanation":[],"purpose":"p","latencyMs":1}`, headers: { 'content-type': 'application/json' } });
    expect(huge.statusCode).toBe(400);
    // Hostile strings and shapes: a clear 400 in problem+json, never a 500, and nothing stored.
    const before = (await ctx().superuser(`SELECT count(*)::int AS n FROM ai_predictions`))[0].n;
    let deep: Record<string, unknown> = { score: 1 };
    for (let i = 0; i < 40; i++) deep = { deep };
    for (const raw of [
      `{"input":1,"output":{"label":"\\ud800"},"explanation":[],"purpose":"p","latencyMs":1}`,
      `{"input":1,"output":{"label":"a\\u0000b"},"explanation":[],"purpose":"p","latencyMs":1}`,
      JSON.stringify({ ...prediction(0.5), output: deep }),
      JSON.stringify({ ...prediction(0.5), latencyMs: '1' }),
      JSON.stringify([prediction(0.5)]),
      'null',
    ]) {
      const res = await call(app, { method: 'POST', url, token: t, payload: raw, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).not.toMatch(/at .*\.(ts|js):\d+|SELECT|INSERT/);
    }
    expect((await ctx().superuser(`SELECT count(*)::int AS n FROM ai_predictions`))[0].n).toBe(before);
  });

  it('feeds sealed predictions into analytics as ai_prediction rows, once each and without their input', async () => {
    const res = await post(`/ai/models/${modelId}/predictions/batch`, w.a.users.USER.token, { predictions: Array.from({ length: 7 }, (_, i) => prediction(i / 7)) });
    expect(res.statusCode).toBe(201);
    const batch = res.json() as Batch;
    await app.get(AiPredictionSeals).sealDue(meta());
    const rows = async () =>
      ctx().superuser(`SELECT "id", "eventData", "userId" FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "eventType" = 'ai_prediction' AND "id" = ANY($2::text[]) ORDER BY "id"`, [
        w.a.companyId,
        batch.predictionIds.map((id) => `ai-prediction:${id}`),
      ]) as Promise<{ id: string; eventData: Record<string, unknown>; userId: string }[]>;
    // On the server the worker runs async projections; here the test catches up in its place.
    const catchUp = async () => {
      if (target === 'postgres') await app.get(ProjectionRuntime).daemon.catchUp(systemEventsProjection);
    };
    for (let i = 0; i < 100 && (await rows()).length < 7; i++) {
      await catchUp();
      await new Promise((r) => setTimeout(r, 100));
    }
    const got = await rows();
    expect(got).toHaveLength(7);
    expect(got[0]).toMatchObject({ userId: w.a.users.USER.id, eventData: { modelId, versionId, purpose: 'aml-alert-triage' } });
    expect(got[0].eventData).not.toHaveProperty('input');
    // Company B's analytics see none of them.
    expect(await ctx().superuser(`SELECT count(*)::int AS n FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "eventType" = 'ai_prediction'`, [w.b.companyId])).toEqual([{ n: 0 }]);
  });

  it('seals a batch into the chain; its digest verifies, and a tampered prediction is found at its position', async () => {
    const a = w.a.users;
    const res = await post(`/ai/models/${modelId}/predictions/batch`, a.USER.token, { predictions: Array.from({ length: 25 }, (_, i) => prediction(i / 25)) });
    expect(res.statusCode).toBe(201);
    const batch = res.json() as Batch;
    expect(batch.count).toBe(25);
    const sealed = await app.get(AiPredictionSeals).sealDue(meta());
    expect(sealed.find((s) => s.companyId === w.a.companyId)?.batches).toBeGreaterThanOrEqual(1);
    const clean = (await get('/ai/predictions/verify', a.COMPLIANCE_OFFICER.token)).json();
    expect(clean).toMatchObject({ ok: true, unsealedBatches: 0, problems: [] });
    expect(clean.verifiedBatches).toBe(clean.sealedBatches);
    const one = (await get(`/ai/predictions/${batch.predictionIds[7]}`, a.USER.token)).json();
    expect(one).toMatchObject({ batchId: batch.batchId, batchIndex: 7, versionId, sealId: expect.any(String) });

    // Someone with database access rewrites one output (the trigger stops even the owner, so it is disabled first).
    await ctx().superuser(`ALTER TABLE ai_predictions DISABLE TRIGGER USER`);
    await ctx().superuser(`UPDATE ai_predictions SET output = '{"score": 0.99, "label": "clear"}'::jsonb WHERE prediction_id = $1`, [batch.predictionIds[7]]);
    await ctx().superuser(`ALTER TABLE ai_predictions ENABLE TRIGGER USER`);
    const found = (await get('/ai/predictions/verify', a.COMPLIANCE_OFFICER.token)).json();
    expect(found.ok).toBe(false);
    expect(found.problems).toEqual([{ batchId: batch.batchId, position: 7, predictionId: batch.predictionIds[7], problem: 'altered' }]);
    // The application itself cannot change a logged prediction.
    const denied = await ctx().db.transaction(
      (tx) => tx.execute(`UPDATE ai_predictions SET purpose = 'x' WHERE prediction_id = $1`, batch.predictionIds[0]).then(() => 'updated', (e: Error) => e.message),
      { companyId: w.a.companyId },
    );
    expect(denied).toMatch(/permission denied/);
  });

  it('finds a deleted prediction missing at its position, and runs new predictions on a newly deployed version', async () => {
    const a = w.a.users;
    const batch = (await post(`/ai/models/${modelId}/predictions/batch`, a.USER.token, { predictions: [prediction(0.1), prediction(0.2), prediction(0.3)] })).json() as Batch;
    await app.get(AiPredictionSeals).sealDue(meta());
    await ctx().superuser(`ALTER TABLE ai_predictions DISABLE TRIGGER USER`);
    await ctx().superuser(`DELETE FROM ai_predictions WHERE prediction_id = $1`, [batch.predictionIds[2]]);
    await ctx().superuser(`ALTER TABLE ai_predictions ENABLE TRIGGER USER`);
    const found = (await get('/ai/predictions/verify', a.COMPLIANCE_OFFICER.token)).json() as { problems: unknown[] };
    expect(found.problems).toContainEqual({ batchId: batch.batchId, position: 2, predictionId: null, problem: 'missing' });

    // Another version deployed: the next prediction runs on it, without the caller naming it.
    const v2 = (await post(`/ai/models/${modelId}/versions`, a.ANALYST.token, versionBody('2.0.0', 'low'))).json().versions.find((v: { version: string }) => v.version === '2.0.0').id as string;
    await post(`/ai/models/${modelId}/versions/${v2}/validate`, a.ANALYST.token, REPORT);
    await post(`/ai/models/${modelId}/versions/${v2}/approve`, a.COMPLIANCE_OFFICER.token);
    await post(`/ai/models/${modelId}/versions/${v2}/deploy`, a.ANALYST.token);
    const next = await post(`/ai/models/${modelId}/predictions`, a.USER.token, prediction(0.5));
    expect(next.json()).toMatchObject({ versionId: v2 });
    expect((await post(`/ai/models/${modelId}/predictions`, a.USER.token, { ...prediction(0.5), versionId })).json()).toMatchObject({ code: 'AI.VERSION_NOT_DEPLOYED' });
    versionId = v2;
  });

  // PGlite runs one transaction at a time: racing sealers are checked on the PostgreSQL server only.
  (target === 'postgres' ? it : it.skip)('seals each batch once when two sealers run at the same time', async () => {
    const a = w.a.users;
    for (let i = 0; i < 4; i++) expect((await post(`/ai/models/${modelId}/predictions/batch`, a.USER.token, { predictions: [prediction(0.1), prediction(0.6)] })).statusCode).toBe(201);
    const [{ unsealed }] = await ctx().superuser(
      `SELECT count(*)::int AS unsealed FROM ai_prediction_batches b WHERE company_id = $1 AND NOT EXISTS (SELECT 1 FROM ai_prediction_seals s WHERE s.company_id = b.company_id AND s.batch_id = b.batch_id)`,
      [w.a.companyId],
    );
    expect(unsealed).toBeGreaterThanOrEqual(4);
    const sealers = app.get(AiPredictionSeals);
    const counts = await Promise.all([1, 2].map(() => sealers.sealCompany(w.a.companyId, { ...meta(), companyId: w.a.companyId })));
    expect(counts.sort()).toEqual([0, unsealed]);
    const [{ n }] = await ctx().superuser(`SELECT count(*)::int AS n FROM ai_prediction_seals WHERE company_id = $1`, [w.a.companyId]);
    const [{ batches }] = await ctx().superuser(`SELECT count(*)::int AS batches FROM ai_prediction_batches WHERE company_id = $1`, [w.a.companyId]);
    expect(n).toBe(batches);
  });

  it("keeps a human override in the prediction's history", async () => {
    const a = w.a.users;
    const id = ((await post(`/ai/models/${modelId}/predictions`, a.USER.token, prediction(0.9))).json() as Batch).predictionIds[0];
    expect((await post(`/ai/predictions/${id}/reviews`, a.COMPLIANCE_OFFICER.token, { verdict: 'overridden', newOutput: { label: 'clear' } })).json()).toMatchObject({ code: 'AI.INPUT_INVALID', field: 'reason' });
    expect((await post(`/ai/predictions/${id}/reviews`, a.COMPLIANCE_OFFICER.token, { verdict: 'accepted' })).statusCode).toBe(201);
    const over = await post(`/ai/predictions/${id}/reviews`, a.ADMIN.token, { verdict: 'overridden', reason: 'Known counterparty.', newOutput: { label: 'clear' } });
    expect(over.statusCode).toBe(201);
    expect(over.json()).toMatchObject({
      output: { label: 'review' },
      outcome: { label: 'clear' },
      reviews: [
        { verdict: 'accepted', reviewedBy: a.COMPLIANCE_OFFICER.id },
        { verdict: 'overridden', reason: 'Known counterparty.', newOutput: { label: 'clear' }, reviewedBy: a.ADMIN.id },
      ],
    });
    const audit = (await get(`/audit/entities/AiPrediction/${id}/history`, a.ADMIN.token)).json() as { items: { type: string; userId: string }[] };
    expect(audit.items.map((i) => [i.type, i.userId])).toEqual([
      ['AiPredictionReviewed', a.COMPLIANCE_OFFICER.id],
      ['AiPredictionReviewed', a.ADMIN.id],
    ]);
    expect((await get(`/ai/predictions/${id}`, w.b.users.ADMIN.token)).statusCode).toBe(404);
    expect((await post(`/ai/predictions/${id}/reviews`, w.b.users.ADMIN.token, { verdict: 'accepted' })).statusCode).toBe(404);
  });

  it('flags the model when the outputs drift above the threshold from the validation baseline', async () => {
    const a = w.a.users;
    // The baseline spreads outputs evenly over four bins; today every score sits in the top one.
    await post(`/ai/models/${modelId}/predictions/batch`, a.USER.token, { predictions: Array.from({ length: 200 }, (_, i) => prediction(0.8 + (i % 10) / 100)) });
    const results = await app.get(AiDrift).run(meta(), new Date(Date.now() + 1000));
    const mine = results.find((r) => r.modelId === modelId);
    expect(mine).toMatchObject({ flagged: true, threshold: 0.2 });
    expect(mine!.psi).toBeGreaterThan(0.2);
    const m = (await get(`/ai/models/${modelId}`, a.ANALYST.token)).json();
    expect(m.drift).toMatchObject({ versionId, threshold: 0.2 });
    const history = (await get(`/audit/entities/AiModel/${modelId}/history`, a.ADMIN.token)).json() as { items: { type: string }[] };
    expect(history.items.at(-1)?.type).toBe('AiModelDriftFlagged');
  });

  it("shows company B none of A's predictions, and a global model only after B accepts it", async () => {
    const b = w.b.users;
    expect((await post(`/ai/models/${modelId}/predictions`, b.USER.token, prediction(0.5))).statusCode).toBe(404);
    expect(((await get('/ai/predictions/verify', b.COMPLIANCE_OFFICER.token)).json() as { predictions: number }).predictions).toBe(0);

    // The platform registers and deploys a global model (two platform administrators: author and approver).
    const root = w.platform.token;
    const g = (await post('/ai/models', root, { name: 'global-sentiment', type: 'analytics' })).json().id as string;
    const gv = (await post(`/ai/models/${g}/versions`, root, versionBody('1.0.0', 'low'))).json().versions[0].id as string;
    expect((await post(`/ai/models/${g}/versions/${gv}/validate`, root, REPORT)).statusCode).toBe(200);
    expect((await post(`/ai/models/${g}/versions/${gv}/approve`, root)).json().code).toBe('AI.SELF_APPROVAL');
    expect((await post(`/ai/models/${g}/versions/${gv}/approve`, b.ADMIN.token)).statusCode).toBe(404);
    const { BootstrapAdmin } = await import('@maple/identity');
    await app.get(BootstrapAdmin).createPlatformAdmin('second.root@platform.test', 'amber-harbour-quartz-19', 'Second root');
    const second = (await post('/auth/login', '', { email: 'second.root@platform.test', password: 'amber-harbour-quartz-19' })).json().accessToken as string;
    expect((await post(`/ai/models/${g}/versions/${gv}/approve`, second)).statusCode).toBe(200);
    expect((await post(`/ai/models/${g}/versions/${gv}/deploy`, root)).json()).toMatchObject({ deployedVersionId: gv });

    // Not visible to B before acceptance: no model, no prediction; listed in the catalog only.
    expect((await get(`/ai/models/${g}`, b.ANALYST.token)).statusCode).toBe(404);
    expect((await post(`/ai/models/${g}/predictions`, b.USER.token, prediction(0.5))).statusCode).toBe(404);
    expect(((await get('/ai/models', b.ANALYST.token)).json() as { items: { modelId: string }[] }).items.map((i) => i.modelId)).not.toContain(g);
    expect(((await get('/ai/global-models', b.ANALYST.token)).json() as { items: { id: string }[] }).items.map((i) => i.id)).toContain(g);
    const accepted = await post(`/ai/models/${g}/accept`, b.ANALYST.token, { versionId: gv });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ id: g, global: true, deployedVersionId: gv });
    expect(((await get('/ai/models', b.ANALYST.token)).json() as { items: { modelId: string }[] }).items.map((i) => i.modelId)).toContain(g);
    expect((await post(`/ai/models/${g}/predictions`, b.USER.token, prediction(0.5))).statusCode).toBe(201);
    // Company A has not accepted it.
    expect((await get(`/ai/models/${g}`, w.a.users.ANALYST.token)).statusCode).toBe(404);
  });
});

// A kept input is personal data of its subject: sealed with the subject's key (the HR
// mechanism), shown only by the field rules with a purpose, and erased with the subject.
describeEachDatabase('AI prediction inputs sealed with the subject key', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  const post = (url: string, token: string, payload: unknown = {}) => call(app, { method: 'POST', url, token, payload });
  const get = (url: string, token: string, headers: Record<string, string> = {}) => call(app, { method: 'GET', url, token, headers });

  beforeAll(async () => {
    app = await startApi(ctx());
    w = await buildAiWorld(app);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('keeps the input sealed, reads it with a purpose, and erases it with the subject while the seal still verifies', async () => {
    const a = w.a.users;
    const modelId = (await post('/ai/models', a.ANALYST.token, { name: 'attrition', type: 'hr' })).json().id as string;
    const v = (await post(`/ai/models/${modelId}/versions`, a.ANALYST.token, versionBody('1.0.0', 'low'))).json().versions[0].id as string;
    await post(`/ai/models/${modelId}/versions/${v}/validate`, a.ANALYST.token, REPORT);
    await post(`/ai/models/${modelId}/versions/${v}/approve`, a.COMPLIANCE_OFFICER.token);
    await post(`/ai/models/${modelId}/versions/${v}/deploy`, a.ANALYST.token);
    const candidate = (await post('/hr/candidates', a.HR_MANAGER.token, { data: { fullName: 'Ada Input', email: 'ada.input@example.test', appliedFor: 'Analyst' } })).json() as { subjectId: string };
    const input = { name: 'Ada Input', tenureMonths: 14 };
    const logged = await post(`/ai/models/${modelId}/predictions`, a.USER.token, { ...prediction(0.4), input, subjectId: candidate.subjectId });
    expect(logged.statusCode).toBe(201);
    const id = logged.json().predictionIds[0] as string;
    // Never in clear in the table.
    const [raw] = await ctx().superuser(`SELECT input::text AS input FROM ai_predictions WHERE prediction_id = $1`, [id]);
    expect(raw.input).not.toContain('Ada Input');
    expect(raw.input).toContain('mpl1.');
    expect((await get(`/ai/predictions/${id}`, a.COMPLIANCE_OFFICER.token)).json().input).toBe('[purpose required]');
    expect((await get(`/ai/predictions/${id}`, a.USER.token, { 'x-purpose': 'curious' })).json().input).toBe('[hidden]');
    expect((await get(`/ai/predictions/${id}`, a.COMPLIANCE_OFFICER.token, { 'x-purpose': 'oversight of a disputed score' })).json().input).toEqual(input);
    expect((await post(`/ai/models/${modelId}/predictions`, a.USER.token, { ...prediction(0.4), subjectId: 'not a subject' })).json()).toMatchObject({ code: 'AI.INPUT_INVALID', field: 'body.subjectId' });

    await app.get(AiPredictionSeals).sealDue(commandMeta({ actorId: 'system:test', companyId: null }));
    expect((await post(`/hr/subjects/${candidate.subjectId}/erasure-requests`, a.HR_MANAGER.token, { reason: 'GDPR art. 17' })).statusCode).toBe(201);
    expect((await post(`/hr/subjects/${candidate.subjectId}/erasure-requests/approve`, a.ADMIN.token)).statusCode).toBe(200);
    expect((await get(`/ai/predictions/${id}`, a.COMPLIANCE_OFFICER.token, { 'x-purpose': 'oversight' })).json().input).toBe('[erased]');
    expect((await get('/ai/predictions/verify', a.COMPLIANCE_OFFICER.token)).json()).toMatchObject({ ok: true, problems: [] });
  });
});
