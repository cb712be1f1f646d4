import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Jobs, ProjectionRuntime } from '@maple/platform';
import { WorkflowReconcile, triggerInboxProjection } from '@maple/workflow';
import { describeEachDatabase } from '../support/databases';
import { buildWorkflowWorld, client, end, eventually, startWorkflowApi, task } from './workflow-world';
import type { WorkflowWorld } from './workflow-world';

const ONBOARDING = {
  name: 'KYC onboarding (inbox)',
  type: 'onboarding',
  triggers: [{ event: 'ComplianceRecordCreated', when: { '==': [{ var: 'recordType' }, 'KYC'] } }],
  start: 'collect',
  steps: [task('collect', { role: 'COMPLIANCE_OFFICER' }, 'done'), end('done', 'approved')],
};

// A trigger is not lost when its job is: the process may die between the source's commit and
// the queueing of the trigger job. The event store is the record of what happened, so the
// async projection `workflow.trigger-inbox` notes every triggering event, and reconcile queues
// the job again for what is still undone a minute later.
describeEachDatabase('workflow triggers survive a lost trigger job', (ctx, target) => {
  let app: NestFastifyApplication;
  let w: WorkflowWorld;
  let http: ReturnType<typeof client>;

  beforeAll(async () => {
    app = await startWorkflowApi(ctx());
    w = await buildWorkflowWorld(app);
    http = client(app);
    // As the API runs it: it queues jobs, the worker (started below) runs them.
    await app.get(Jobs).start({ work: false });
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('starts the instance of a KYC record whose trigger job vanished, once, through the inbox and reconcile', async () => {
    const pub = await http.post('/workflow/definitions', w.a.users.ADMIN.token, { definition: ONBOARDING });
    expect(pub.statusCode).toBe(201);
    const definitionId = pub.json().id as string;
    const rec = await http.post('/compliance/records', w.a.users.COMPLIANCE_OFFICER.token, {
      type: 'KYC',
      data: { subjectName: 'Ada Inbox', dateOfBirth: '1990-02-03', nationality: 'CH', documentType: 'passport', documentNumber: 'X771234' },
    });
    expect(rec.statusCode).toBe(201);
    const [{ event_id: eventId }] = (await ctx().superuser(`SELECT event_id::text FROM events WHERE stream_id = $1 AND version = 1`, [`compliance-record-${rec.json().id}`])) as { event_id: string }[];
    // No worker is running yet: the job the commit queued is still waiting. It goes missing.
    await eventually(async () => ((await ctx().superuser(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'workflow.trigger' AND data->>'eventId' = $1`, [eventId]))[0].n === 1 ? true : undefined), 15_000, 'the trigger job to be queued');
    await ctx().superuser(`DELETE FROM pgboss.job WHERE name = 'workflow.trigger' AND data->>'eventId' = $1`, [eventId]);

    // The inbox has the event, undone (the embedded API runs the projection; on a server the worker does).
    const inbox = async () => (await ctx().superuser(`SELECT done_at FROM workflow_trigger_inbox WHERE event_id = $1::uuid`, [eventId])) as { done_at: Date | null }[];
    await eventually(async () => {
      if (target === 'postgres') await app.get(ProjectionRuntime).daemon.catchUp(triggerInboxProjection);
      return (await inbox()).length ? true : undefined;
    }, 15_000, 'the inbox row');
    expect(await inbox()).toEqual([{ done_at: null }]);
    const instances = async () => (await http.get(`/workflow/instances?definitionId=${definitionId}`, w.a.users.ADMIN.token)).json().items as { id: string }[];
    expect(await instances()).toEqual([]);

    // A minute later, reconcile queues the job again, and a worker starts the instance.
    await ctx().superuser(`UPDATE workflow_trigger_inbox SET recorded_at = now() - interval '2 minutes' WHERE event_id = $1::uuid`, [eventId]);
    expect(await app.get(WorkflowReconcile).run()).toContain('1 trigger job(s) queued again');
    await app.get(Jobs).start({ work: true });
    const started = await eventually(async () => ((await instances()).length ? instances() : undefined), 30_000, 'the instance');
    expect(started).toHaveLength(1);
    await eventually(async () => ((await inbox())[0]?.done_at ? true : undefined), 15_000, 'the inbox row to be done');
    // Done rows are not queued again.
    expect(await app.get(WorkflowReconcile).run()).toContain('0 trigger job(s) queued again');
    expect(await instances()).toHaveLength(1);
  }, 120_000);
});
