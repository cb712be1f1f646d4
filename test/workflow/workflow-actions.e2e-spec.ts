import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Jobs } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import { approval, buildWorkflowWorld, client, definition, end, eventually, startWorkflowApi, task } from './workflow-world';
import type { WorkflowWorld } from './workflow-world';

type Instance = { id: string; status: string; outcome: string | null; dataVersion: number; data: Record<string, unknown>; initiatedBy: string; failure: { code: string } | null; current: { taskId: string | null; stepId: string; kind: string; action: { status: string } | null } | null };

const kyc = (n: string) => ({ type: 'KYC', data: { subjectName: `Ada Onboarded ${n}`, dateOfBirth: '1990-02-03', nationality: 'CH', documentType: 'passport', documentNumber: `X${n}1234` } });

const ONBOARDING = {
  name: 'KYC onboarding',
  type: 'onboarding',
  triggers: [{ event: 'ComplianceRecordCreated', when: { '==': [{ var: 'recordType' }, 'KYC'] } }],
  start: 'collect',
  steps: [
    task('collect', { role: 'COMPLIANCE_OFFICER' }, 'review', { form: { type: 'object', required: ['documentsChecked'], properties: { documentsChecked: { type: 'boolean' } } } }),
    approval('review', { role: 'COMPLIANCE_OFFICER' }, 'any', 'approve-record'),
    { id: 'approve-record', kind: 'action', action: 'compliance.approveRecord', input: { recordId: { var: 'trigger.recordId' }, reason: 'KYC onboarding completed' }, next: 'done' },
    end('done', 'approved'),
  ],
};

// Triggers and cross-context actions: a KYC record starts onboarding by itself, and the
// workflow's action approves the record as a compliance command, after commit, exactly once.
describeEachDatabase('workflow triggers and actions over HTTP', (ctx) => {
  let app: NestFastifyApplication;
  let w: WorkflowWorld;
  let http: ReturnType<typeof client>;
  let onboardingId: string;
  const instance = async (id: string) => (await http.get(`/workflow/instances/${id}`, w.a.users.ADMIN.token)).json() as Instance;
  const history = async (entity: string, id: string) => ((await http.get(`/audit/entities/${entity}/${id}/history`, w.a.users.ADMIN.token)).json().items as { type: string; userId: string }[]).map((i) => [i.type, i.userId]);
  const createRecord = async (n: string) => {
    const res = await http.post('/compliance/records', w.a.users.COMPLIANCE_OFFICER.token, kyc(n));
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };

  beforeAll(async () => {
    app = await startWorkflowApi(ctx());
    w = await buildWorkflowWorld(app);
    http = client(app);
    await app.get(Jobs).start({ work: true });
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('onboarding: a KYC record starts the definition by itself, its tasks are done, its action approves the record', async () => {
    const pub = await http.post('/workflow/definitions', w.a.users.ADMIN.token, { definition: ONBOARDING });
    expect(pub.statusCode).toBe(201);
    onboardingId = pub.json().id;
    const officer = w.a.users.COMPLIANCE_OFFICER;
    const recordId = await createRecord('1');
    const started = await eventually(async () => {
      const items = (await http.get(`/workflow/instances?definitionId=${onboardingId}`, w.a.users.ADMIN.token)).json().items as { id: string }[];
      return items.length ? items : undefined;
    }, 15_000, 'the triggered instance');
    expect(started).toHaveLength(1);
    const inst = await instance(started[0].id);
    expect(inst).toMatchObject({ status: 'running', initiatedBy: officer.id, data: { trigger: { recordId, recordType: 'KYC' } }, current: { stepId: 'collect', kind: 'task' } });

    const collected = await http.post(`/workflow/tasks/${inst.current!.taskId}/complete`, w.co2.token, { data: { documentsChecked: true }, dataVersion: 0, comment: 'passport seen' });
    expect(collected.json()).toMatchObject({ current: { stepId: 'review', kind: 'approval' }, dataVersion: 1 });
    const reviewTask = (collected.json() as Instance).current!.taskId!;
    // The record's creator started the instance: four-eyes keeps them off its approval.
    expect((await http.post(`/workflow/tasks/${reviewTask}/approve`, officer.token, { dataVersion: 1 })).json().code).toBe('WORKFLOW.FOUR_EYES');
    const approved = await http.post(`/workflow/tasks/${reviewTask}/approve`, w.co3.token, { dataVersion: 1, comment: 'all good' });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ current: { stepId: 'approve-record', kind: 'action' } });

    const done = await eventually(async () => {
      const i = await instance(inst.id);
      return i.status === 'completed' ? i : undefined;
    }, 30_000, 'the action to run');
    expect(done.outcome).toBe('approved');
    const record = (await http.get(`/compliance/records/${recordId}`, w.a.users.ADMIN.token)).json();
    expect(record).toMatchObject({ status: 'approved', reviewedBy: w.co3.id });

    // Each step left audit rows: the instance's, and the record's approval by the approver.
    expect(await history('WorkflowInstance', `workflow-instance-${inst.id}`)).toEqual([
      ['WorkflowInstanceStarted', officer.id],
      ['WorkflowTaskAssigned', officer.id],
      ['WorkflowTaskCompleted', w.co2.id],
      ['WorkflowStepCompleted', w.co2.id],
      ['WorkflowTaskAssigned', w.co2.id],
      ['WorkflowApprovalGiven', w.co3.id],
      ['WorkflowStepCompleted', w.co3.id],
      ['WorkflowActionRequested', w.co3.id],
      ['WorkflowActionSucceeded', 'system:workflow'],
      ['WorkflowInstanceCompleted', 'system:workflow'],
    ]);
    expect(await history('ComplianceRecord', `compliance-record-${recordId}`)).toEqual([
      ['ComplianceRecordCreated', officer.id],
      ['ComplianceRecordApproved', w.co3.id],
    ]);

    // An AML record matches no trigger condition.
    const aml = await http.post('/compliance/records', officer.token, { type: 'AML', data: { counterparty: 'Globex', amount: '100.00', currency: 'EUR', country: 'CH', channel: 'wire' } });
    expect(aml.statusCode).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    expect((await http.get(`/workflow/instances?definitionId=${onboardingId}`, w.a.users.ADMIN.token)).json().items).toHaveLength(1);
  }, 60_000);

  it('an action whose target command fails shows the failed state, is retried on request, and never runs twice', async () => {
    await http.post(`/workflow/definitions/${onboardingId}/deactivate`, w.a.users.ADMIN.token, {});
    const recordId = await createRecord('2');
    const def = definition([task('check', { role: 'COMPLIANCE_OFFICER' }, 'act'), { id: 'act', kind: 'action', action: 'compliance.approveRecord', input: { recordId: { var: 'recordId' }, reason: 'checked in a workflow' }, next: 'done' }, end('done', 'approved')]);
    const id = (await http.post('/workflow/definitions', w.a.users.ADMIN.token, { definition: def })).json().id as string;
    const inst = (await http.post(`/workflow/definitions/${id}/instances`, w.a.users.USER.token, { data: { recordId } })).json() as Instance;

    // The compliance context cannot write its read table for now: its command fails.
    await ctx().superuser(`REVOKE UPDATE ON "ComplianceRecord" FROM maple_app`);
    try {
      await http.post(`/workflow/tasks/${inst.current!.taskId}/complete`, w.co2.token, { data: {}, dataVersion: 0 });
      const failed = await eventually(async () => {
        const i = await instance(inst.id);
        return i.status === 'failed' ? i : undefined;
      }, 30_000, 'the failed state');
      expect(failed).toMatchObject({ failure: { code: 'WORKFLOW.ACTION_ERROR', stepId: 'act', attempt: 2 }, current: { stepId: 'act', action: { status: 'failed' } } });
      expect(JSON.stringify(failed)).not.toMatch(/permission denied|ComplianceRecord"|stack/i);
    } finally {
      await ctx().superuser(`GRANT UPDATE ON "ComplianceRecord" TO maple_app`);
    }
    expect((await http.get(`/compliance/records/${recordId}`, w.a.users.ADMIN.token)).json().status).toBe('pending');

    const retried = await http.post(`/workflow/instances/${inst.id}/retry`, w.a.users.ADMIN.token);
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ status: 'running', current: { action: { status: 'pending' } } });
    const done = await eventually(async () => {
      const i = await instance(inst.id);
      return i.status === 'completed' ? i : undefined;
    }, 30_000, 'the retried action');
    expect(done.outcome).toBe('approved');
    expect((await http.get(`/compliance/records/${recordId}`, w.a.users.ADMIN.token)).json()).toMatchObject({ status: 'approved', reviewedBy: w.co2.id });
    const again = await http.post(`/workflow/instances/${inst.id}/retry`, w.a.users.ADMIN.token);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('WORKFLOW.NOT_FAILED');
    const approvals = await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1 AND type = 'ComplianceRecordApproved'`, [`compliance-record-${recordId}`]);
    expect(approvals[0].n).toBe(1);
  }, 90_000);

  it('a target that refuses (a rule of its own) fails at once; the failed instance can be cancelled', async () => {
    const def = definition([task('check', { role: 'COMPLIANCE_OFFICER' }, 'act'), { id: 'act', kind: 'action', action: 'compliance.flagRecord', input: { recordId: 'no-such-record', reason: 'flag it' }, next: 'done' }, end('done')]);
    const id = (await http.post('/workflow/definitions', w.a.users.ADMIN.token, { definition: def })).json().id as string;
    const inst = (await http.post(`/workflow/definitions/${id}/instances`, w.a.users.USER.token, { data: {} })).json() as Instance;
    await http.post(`/workflow/tasks/${inst.current!.taskId}/complete`, w.co2.token, { data: {}, dataVersion: 0 });
    const failed = await eventually(async () => {
      const i = await instance(inst.id);
      return i.status === 'failed' ? i : undefined;
    }, 30_000, 'the failed state');
    expect(failed.failure).toMatchObject({ code: 'COMPLIANCE.RECORD_NOT_FOUND', attempt: 1 });
    const notYours = await http.post(`/workflow/instances/${inst.id}/cancel`, w.co2.token, { reason: 'not mine' });
    expect(notYours.statusCode).toBe(403);
    expect(notYours.json().code).toBe('WORKFLOW.NOT_ALLOWED');
    const cancelled = await http.post(`/workflow/instances/${inst.id}/cancel`, w.a.users.ADMIN.token, { reason: 'wrong record' });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect((await http.post(`/workflow/instances/${inst.id}/retry`, w.a.users.ADMIN.token)).statusCode).toBe(409);
  }, 60_000);
});
