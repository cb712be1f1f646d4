import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Jobs } from '@maple/platform';
import { TIMER_JOB, WorkflowInstances, WorkflowReconcile } from '@maple/workflow';
import { describeEachDatabase } from '../support/databases';
import { approval, buildWorkflowWorld, client, definition, end, eventually, sleep, startWorkflowApi, task } from './workflow-world';
import type { WorkflowWorld } from './workflow-world';

type Task = { id: string; escalated: boolean; assigneeRole: string | null; overdue: boolean };
type Instance = { id: string; status: string; outcome: string | null; current: { taskId: string | null; stepId: string } | null };

// Durable timers: SLAs and timer steps live in the job queue on the database. With no worker
// running they come due and wait; after a restart each fires once, and a timer whose step was
// completed first does nothing.
describeEachDatabase('workflow SLAs and timers across a restart', (ctx) => {
  let app: NestFastifyApplication;
  let w: WorkflowWorld;
  let http: ReturnType<typeof client>;
  const types = async (id: string) => ((await http.get(`/audit/entities/WorkflowInstance/workflow-instance-${id}/history`, w.a.users.ADMIN.token)).json().items as { type: string }[]).map((i) => i.type);

  beforeAll(async () => {
    app = await startWorkflowApi(ctx());
    w = await buildWorkflowWorld(app);
    http = client(app);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('escalates an overdue task once after a restart, and never one whose step was completed first', async () => {
    const admin = w.a.users.ADMIN.token;
    const publish = async (def: unknown) => (await http.post('/workflow/definitions', admin, { definition: def })).json().id as string;
    const start = async (id: string) => (await http.post(`/workflow/definitions/${id}/instances`, w.a.users.USER.token, { data: {} })).json() as Instance;
    const reassign = await publish(definition([task('check', { role: 'COMPLIANCE_OFFICER' }, 'done', { sla: { due: 'PT1S', onBreach: { reassignTo: 'ADMIN' } } }), end('done')]));
    const autoReject = await publish(definition([approval('sign', { role: 'ADMIN' }, 'any', 'done', { sla: { due: 'PT1S', onBreach: { autoReject: true } } }), end('done', 'approved')]));
    const waits = await publish(definition([{ id: 'wait', kind: 'timer', duration: 'PT1S', next: 'done' }, end('done')]));
    const overdue = await start(reassign);
    const completedFirst = await start(reassign);
    const rejected = await start(autoReject);
    const timer = await start(waits);
    expect((await http.post(`/workflow/tasks/${completedFirst.current!.taskId}/complete`, w.co2.token, { data: {}, dataVersion: 0 })).json().status).toBe('completed');

    // No worker: the timers come due and nothing happens, yet the inbox shows the task overdue.
    await sleep(2500);
    const waiting = (await http.get(`/workflow/tasks/${overdue.current!.taskId}`, admin)).json() as Task;
    expect(waiting).toMatchObject({ escalated: false, assigneeRole: 'COMPLIANCE_OFFICER', overdue: true });
    expect((await http.get('/workflow/tasks?filter=overdue', admin)).json().items.map((t: Task) => t.id)).toContain(overdue.current!.taskId);
    expect((await http.get(`/workflow/instances/${timer.id}`, admin)).json().status).toBe('running');

    // Restart: a new process on the same database, this time with a worker.
    await app.close();
    app = await startWorkflowApi(ctx());
    http = client(app);
    await app.get(Jobs).start({ work: true });

    const escalated = await eventually(async () => {
      const t = (await http.get(`/workflow/tasks/${overdue.current!.taskId}`, admin)).json() as Task;
      return t.escalated ? t : undefined;
    }, 30_000, 'the escalation');
    expect(escalated.assigneeRole).toBe('ADMIN');
    await eventually(async () => ((await http.get(`/workflow/instances/${rejected.id}`, admin)).json().status === 'completed' ? true : undefined), 30_000, 'the auto-rejection');
    expect((await http.get(`/workflow/instances/${rejected.id}`, admin)).json().outcome).toBe('rejected');
    await eventually(async () => ((await http.get(`/workflow/instances/${timer.id}`, admin)).json().status === 'completed' ? true : undefined), 30_000, 'the timer step');
    // Every timer job has run (the completed step's too) before counting what they did.
    await eventually(async () => {
      const rows = await ctx().superuser(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state <> 'completed'`, [TIMER_JOB]);
      return rows[0].n === 0 ? true : undefined;
    }, 30_000, 'every timer job to finish');

    expect((await types(overdue.id)).filter((t) => t === 'WorkflowTaskEscalated')).toHaveLength(1);
    expect(await types(completedFirst.id)).not.toContain('WorkflowTaskEscalated');
    expect(await types(rejected.id)).toEqual(['WorkflowInstanceStarted', 'WorkflowTaskAssigned', 'WorkflowTaskEscalated', 'WorkflowApprovalRejected', 'WorkflowStepCompleted', 'WorkflowInstanceCompleted']);
    expect(await types(timer.id)).toEqual(['WorkflowInstanceStarted', 'WorkflowTimerArmed', 'WorkflowTimedOut', 'WorkflowInstanceCompleted']);

    // A second delivery of the same timer decides nothing.
    const again = await app.get(WorkflowInstances).fireTimer({ companyId: w.a.companyId, instanceId: overdue.id, stepId: 'check', visit: 1, kind: 'sla', armedAtVersion: 2 });
    expect(again).toMatch(/^late/);
    expect((await types(overdue.id)).filter((t) => t === 'WorkflowTaskEscalated')).toHaveLength(1);
  }, 120_000);

  it('queues again a timer whose job a crash lost (the reconcile job)', async () => {
    const admin = w.a.users.ADMIN.token;
    // No worker for now: the reconcile job's own schedule must not run in between.
    await app.get(Jobs).stop();
    const def = definition([{ id: 'wait', kind: 'timer', until: new Date(Date.now() + 1500).toISOString(), next: 'done' }, end('done')]);
    const id = (await http.post('/workflow/definitions', admin, { definition: def })).json().id as string;
    const inst = (await http.post(`/workflow/definitions/${id}/instances`, w.a.users.USER.token, { data: {} })).json() as Instance;
    // The job is lost (as if the process died between the commit and the queueing) and the
    // instance has been waiting for longer than the reconcile job's grace minute.
    const deleted = await ctx().superuser(`DELETE FROM pgboss.job WHERE name = $1 AND data->>'instanceId' = $2 RETURNING id`, [TIMER_JOB, inst.id]);
    expect(deleted).toHaveLength(1);
    await ctx().superuser(`UPDATE workflow_instances SET wake_at = now() - interval '2 minutes' WHERE instance_id = $1`, [inst.id]);
    await sleep(2000);
    expect((await http.get(`/workflow/instances/${inst.id}`, admin)).json().status).toBe('running');
    expect(await app.get(WorkflowReconcile).run()).toMatch(/1 timer\/action job\(s\), /);
    await app.get(Jobs).start({ work: true });
    await eventually(async () => ((await http.get(`/workflow/instances/${inst.id}`, admin)).json().status === 'completed' ? true : undefined), 30_000, 'the re-queued timer');
    expect((await types(inst.id)).filter((t) => t === 'WorkflowTimedOut')).toHaveLength(1);
  }, 60_000);
});
