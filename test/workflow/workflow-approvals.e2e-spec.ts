import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase, onServer } from '../support/databases';
import { approval, buildWorkflowWorld, client, definition, end, startWorkflowApi, task } from './workflow-world';
import type { WorkflowWorld } from './workflow-world';

type Instance = { id: string; status: string; outcome: string | null; dataVersion: number; current: { taskId: string | null; stepId: string } | null };

// Approvals as approvers meet them: quorum, four-eyes, veto in `all`, the inbox, delegation,
// the audit trail of decisions, and company B seeing nothing of company A.
describeEachDatabase('workflow approvals and tasks over HTTP', (ctx, target) => {
  let app: NestFastifyApplication;
  let w: WorkflowWorld;
  let http: ReturnType<typeof client>;
  const publish = async (def: unknown) => {
    const res = await http.post('/workflow/definitions', w.a.users.ADMIN.token, { definition: def });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const start = async (definitionId: string, token: string, data = {}) => {
    const res = await http.post(`/workflow/definitions/${definitionId}/instances`, token, { data });
    expect(res.statusCode).toBe(201);
    return res.json() as Instance;
  };

  beforeAll(async () => {
    app = await startWorkflowApi(ctx());
    w = await buildWorkflowWorld(app);
    http = client(app);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('2-of-3 quorum: the initiator cannot approve, nobody approves twice, two others complete it', async () => {
    const co1 = w.a.users.COMPLIANCE_OFFICER;
    const id = await publish(definition([approval('sign', { users: [co1.id, w.co2.id, w.co3.id] }, { quorum: 2 }, 'done', { onReject: 'refused' }), end('done', 'approved'), end('refused', 'rejected')]));
    const inst = await start(id, co1.token);
    const taskId = inst.current!.taskId!;
    // The initiator is not even listed for it: four-eyes removed them from the pool.
    expect((await http.get('/workflow/tasks?filter=mine', co1.token)).json().items.map((t: { id: string }) => t.id)).not.toContain(taskId);
    expect((await http.get('/workflow/tasks?filter=mine', w.co2.token)).json().items.map((t: { id: string }) => t.id)).toContain(taskId);

    const self = await http.post(`/workflow/tasks/${taskId}/approve`, co1.token, { dataVersion: 0, comment: 'my own' });
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('WORKFLOW.FOUR_EYES');
    const first = await http.post(`/workflow/tasks/${taskId}/approve`, w.co2.token, { dataVersion: 0, comment: 'fine by me' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'running', current: { stepId: 'sign' } });
    const twice = await http.post(`/workflow/tasks/${taskId}/approve`, w.co2.token, { dataVersion: 0 });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('WORKFLOW.ALREADY_DECIDED');
    const stale = await http.post(`/workflow/tasks/${taskId}/approve`, w.co3.token, { dataVersion: 7 });
    expect(stale.json().code).toBe('WORKFLOW.STALE_DATA');
    const second = await http.post(`/workflow/tasks/${taskId}/approve`, w.co3.token, { dataVersion: 0, comment: 'agreed' });
    expect(second.json()).toMatchObject({ status: 'completed', outcome: 'approved' });

    // The auditor's replay: who decided what, with their comment and the data version they saw.
    const history = await http.get(`/audit/entities/WorkflowInstance/workflow-instance-${inst.id}/history`, w.a.users.ADMIN.token);
    expect(history.statusCode).toBe(200);
    const items = history.json().items as { type: string; userId: string; action: string }[];
    expect(items.map((i) => [i.type, i.userId])).toEqual([
      ['WorkflowInstanceStarted', co1.id],
      ['WorkflowTaskAssigned', co1.id],
      ['WorkflowApprovalGiven', w.co2.id],
      ['WorkflowApprovalGiven', w.co3.id],
      ['WorkflowStepCompleted', w.co3.id],
      ['WorkflowInstanceCompleted', w.co3.id],
    ]);
    const task = (await http.get(`/workflow/tasks/${taskId}`, w.co2.token)).json();
    expect(task).toMatchObject({ status: 'done', outcome: 'approved', decisions: [{ by: w.co2.id, decision: 'approved', comment: 'fine by me', seenDataVersion: 0 }, { by: w.co3.id, decision: 'approved', comment: 'agreed', seenDataVersion: 0 }] });
  });

  it('one rejection in an `all` step ends the instance rejected', async () => {
    const id = await publish(definition([approval('all', { users: [w.co2.id, w.co3.id, w.a.users.ADMIN.id] }, 'all', 'done'), end('done', 'approved')]));
    const inst = await start(id, w.a.users.USER.token);
    const taskId = inst.current!.taskId!;
    expect((await http.post(`/workflow/tasks/${taskId}/approve`, w.co2.token, { dataVersion: 0 })).json().status).toBe('running');
    const veto = await http.post(`/workflow/tasks/${taskId}/reject`, w.co3.token, { dataVersion: 0, comment: 'missing evidence' });
    expect(veto.statusCode).toBe(200);
    expect(veto.json()).toMatchObject({ status: 'completed', outcome: 'rejected' });
    const late = await http.post(`/workflow/tasks/${taskId}/approve`, w.a.users.ADMIN.token, { dataVersion: 0 });
    expect(late.statusCode).toBe(409);
  });

  it('tasks: claimed, completed with form-validated data, delegated to the same role only', async () => {
    const form = { type: 'object', required: ['score'], additionalProperties: false, properties: { score: { type: 'integer', minimum: 0, maximum: 10 } } };
    const id = await publish(definition([task('rate', { role: 'COMPLIANCE_OFFICER' }, 'done', { form }), end('done')]));
    const inst = await start(id, w.a.users.USER.token);
    const taskId = inst.current!.taskId!;
    expect((await http.get('/workflow/tasks?filter=role', w.co2.token)).json().items.map((t: { id: string }) => t.id)).toContain(taskId);
    expect((await http.get('/workflow/tasks?filter=role', w.a.users.HR_MANAGER.token)).json().items.map((t: { id: string }) => t.id)).not.toContain(taskId);

    const notMine = await http.post(`/workflow/tasks/${taskId}/claim`, w.a.users.HR_MANAGER.token);
    expect(notMine.json().code).toBe('WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU');
    const claimed = await http.post(`/workflow/tasks/${taskId}/claim`, w.co2.token);
    expect(claimed.json()).toMatchObject({ claimedBy: w.co2.id });
    expect((await http.post(`/workflow/tasks/${taskId}/claim`, w.co3.token)).json().code).toBe('WORKFLOW.TASK_ALREADY_CLAIMED');

    const wrongRole = await http.post(`/workflow/tasks/${taskId}/delegate`, w.co2.token, { to: w.a.users.HR_MANAGER.id });
    expect(wrongRole.statusCode).toBe(400);
    expect(wrongRole.json()).toMatchObject({ code: 'WORKFLOW.DELEGATE_INVALID', field: 'to' });
    const foreign = await http.post(`/workflow/tasks/${taskId}/delegate`, w.co2.token, { to: w.b.users.COMPLIANCE_OFFICER.id });
    expect(foreign.json().code).toBe('WORKFLOW.DELEGATE_INVALID');
    const delegated = await http.post(`/workflow/tasks/${taskId}/delegate`, w.co2.token, { to: w.co3.id, comment: 'on leave' });
    expect(delegated.statusCode).toBe(200);
    expect(delegated.json()).toMatchObject({ assigneeUser: w.co3.id, claimedBy: w.co3.id, delegatedFrom: { user: w.co2.id } });

    const badForm = await http.post(`/workflow/tasks/${taskId}/complete`, w.co3.token, { data: { score: 11 }, dataVersion: 0 });
    expect(badForm.statusCode).toBe(400);
    expect(badForm.json()).toMatchObject({ code: 'WORKFLOW.FORM_INVALID', field: 'data.score' });
    const extra = await http.post(`/workflow/tasks/${taskId}/complete`, w.co3.token, { data: { score: 3, hack: true }, dataVersion: 0 });
    expect(extra.json()).toMatchObject({ code: 'WORKFLOW.FORM_INVALID', field: 'data.hack' });
    expect((await http.post(`/workflow/tasks/${taskId}/complete`, w.co2.token, { data: { score: 3 }, dataVersion: 0 })).statusCode).toBe(403);
    const done = await http.post(`/workflow/tasks/${taskId}/complete`, w.co3.token, { data: { score: 3 }, dataVersion: 0, comment: 'ok' });
    expect(done.json()).toMatchObject({ status: 'completed', data: { score: 3 }, dataVersion: 1 });
    const history = (await http.get(`/audit/entities/WorkflowInstance/workflow-instance-${inst.id}/history`, w.a.users.ADMIN.token)).json().items as { type: string }[];
    expect(history.map((i) => i.type)).toEqual(['WorkflowInstanceStarted', 'WorkflowTaskAssigned', 'WorkflowTaskClaimed', 'WorkflowTaskDelegated', 'WorkflowTaskCompleted', 'WorkflowStepCompleted', 'WorkflowInstanceCompleted']);
  });

  // The embedded database runs one transaction at a time: races show on the server only.
  onServer(target)('races: two approvers at once complete a quorum once; two claims at once, one wins', async () => {
    const id = await publish(definition([approval('sign', { users: [w.co2.id, w.co3.id, w.a.users.ADMIN.id] }, { quorum: 2 }, 'done'), end('done', 'approved')]));
    for (let i = 0; i < 5; i++) {
      const inst = await start(id, w.a.users.USER.token);
      const taskId = inst.current!.taskId!;
      const both = await Promise.all([w.co2, w.co3].map((m) => http.post(`/workflow/tasks/${taskId}/approve`, m.token, { dataVersion: 0 })));
      expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
      const types = ((await http.get(`/audit/entities/WorkflowInstance/workflow-instance-${inst.id}/history`, w.a.users.ADMIN.token)).json().items as { type: string }[]).map((x) => x.type);
      expect(types.filter((t) => t === 'WorkflowApprovalGiven')).toHaveLength(2);
      expect(types.filter((t) => t === 'WorkflowInstanceCompleted')).toHaveLength(1);
      expect((await http.get(`/workflow/instances/${inst.id}`, w.a.users.ADMIN.token)).json()).toMatchObject({ status: 'completed', outcome: 'approved' });
    }
    const taskDef = await publish(definition([task('t', { role: 'COMPLIANCE_OFFICER' }, 'done'), end('done')]));
    const inst = await start(taskDef, w.a.users.USER.token);
    const claims = await Promise.all([w.co2, w.co3].map((m) => http.post(`/workflow/tasks/${inst.current!.taskId}/claim`, m.token)));
    expect(claims.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(claims.find((r) => r.statusCode === 409)!.json().code).toBe('WORKFLOW.TASK_ALREADY_CLAIMED');
  }, 60_000);

  it("company B sees none of company A's definitions, instances or tasks", async () => {
    const id = await publish(definition([task('x', { role: 'ADMIN' }, 'done'), end('done')], { name: 'Secret of A' }));
    const inst = await start(id, w.a.users.USER.token);
    const b = w.b.users.ADMIN.token;
    expect((await http.get('/workflow/definitions', b)).json().items).toEqual([]);
    expect((await http.get(`/workflow/definitions/${id}`, b)).statusCode).toBe(404);
    expect((await http.get(`/workflow/definitions/${id}/diagram`, b)).statusCode).toBe(404);
    expect((await http.post(`/workflow/definitions/${id}/instances`, b, {})).statusCode).toBe(404);
    expect((await http.post(`/workflow/definitions/${id}/versions`, b, { definition: definition([end('done')]) })).statusCode).toBe(404);
    expect((await http.get('/workflow/instances', b)).json().items).toEqual([]);
    expect((await http.get(`/workflow/instances/${inst.id}`, b)).statusCode).toBe(404);
    expect((await http.post(`/workflow/instances/${inst.id}/cancel`, b, {})).statusCode).toBe(404);
    expect((await http.get('/workflow/tasks?filter=all', b)).json().items).toEqual([]);
    expect((await http.get(`/workflow/tasks/${inst.current!.taskId}`, b)).statusCode).toBe(404);
    expect((await http.post(`/workflow/tasks/${inst.current!.taskId}/complete`, b, { data: {}, dataVersion: 0 })).statusCode).toBe(404);
    // ...and A's instance is untouched by all that.
    expect((await http.get(`/workflow/instances/${inst.id}`, w.a.users.ADMIN.token)).json()).toMatchObject({ status: 'running', dataVersion: 0 });
  });
});
