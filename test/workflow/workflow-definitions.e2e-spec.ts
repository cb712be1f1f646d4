import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { approval, buildWorkflowWorld, client, definition, end, startWorkflowApi, task } from './workflow-world';
import type { WorkflowWorld } from './workflow-world';

const ok = definition([task('fill', { role: 'USER' }, 'done'), end('done')]);
const steps = (...s: unknown[]) => definition(s);

// [case, definition, expected step, expected field]
const BAD: [string, unknown, string | null, string][] = [
  ['no steps', { ...ok, steps: [] }, null, 'steps'],
  ['unknown step kind', steps({ id: 'a', kind: 'teleport', next: 'z' }, end('z')), 'a', 'kind'],
  ['a task without assignee', steps({ id: 'a', kind: 'task', next: 'z' }, end('z')), 'a', 'assignee'],
  ['an unknown role', steps(task('a', { role: 'KING' }, 'z'), end('z')), 'a', 'assignee'],
  ['an unknown field on a step', steps(task('a', { role: 'USER' }, 'z', { colour: 'red' }), end('z')), 'a', 'colour'],
  ['next names no step', steps(task('a', { role: 'USER' }, 'nowhere'), end('z')), 'a', 'next'],
  ['duplicate step ids', steps(task('a', { role: 'USER' }, 'z'), task('a', { role: 'USER' }, 'z'), end('z')), 'a', 'id'],
  ['an unreachable step', steps(task('a', { role: 'USER' }, 'z'), task('island', { role: 'USER' }, 'z'), end('z')), 'island', 'id'],
  ['a dead end (loop with no way out)', steps(task('a', { role: 'USER' }, 'b'), { id: 'b', kind: 'timer', duration: 'PT1H', next: 'a' }, end('z')), 'z', 'id'],
  ['a cycle without a timer', steps(task('a', { role: 'USER' }, 'b'), { id: 'b', kind: 'choice', branches: [{ when: { '==': [{ var: 'x' }, 1] }, next: 'a' }], otherwise: 'z' }, end('z')), 'a', 'next'],
  ['quorum larger than the users', steps(approval('a', { users: ['u1', 'u2'] }, { quorum: 3 }, 'z'), end('z')), 'a', 'complete.quorum'],
  ['"all" with a role', steps(approval('a', { role: 'ADMIN' }, 'all', 'z'), end('z')), 'a', 'complete'],
  ['a bad completion rule', steps(approval('a', { role: 'ADMIN' }, 'most', 'z'), end('z')), 'a', 'complete'],
  ['a bad SLA duration', steps(task('a', { role: 'USER' }, 'z', { sla: { due: 'tomorrow', onBreach: { notify: true } } }), end('z')), 'a', 'sla.due'],
  ['a bad SLA breach action', steps(task('a', { role: 'USER' }, 'z', { sla: { due: 'PT1H', onBreach: { explode: true } } }), end('z')), 'a', 'sla.onBreach'],
  ['a form that is no JSON Schema', steps(task('a', { role: 'USER' }, 'z', { form: { type: 'object', properties: { x: { type: 'colour' } } } }), end('z')), 'a', 'form'],
  ['a form with a regular expression', steps(task('a', { role: 'USER' }, 'z', { form: { type: 'object', properties: { x: { type: 'string', pattern: '^(a+)+$' } } } }), end('z')), 'a', 'form'],
  ['an unknown JSON Logic operation', steps({ id: 'c', kind: 'choice', branches: [{ when: { eval: ['rm -rf'] }, next: 'z' }], otherwise: 'z' }, end('z')), 'c', 'branches.0.when'],
  ['a timer with both duration and until', steps({ id: 't', kind: 'timer', duration: 'PT1H', until: '2027-01-01T00:00:00Z', next: 'z' }, end('z')), 't', 'duration'],
  ['an action outside the listed set', steps({ id: 'x', kind: 'action', action: 'billing.deleteEverything', input: { recordId: 'r', reason: 'why not' }, next: 'z' }, end('z')), 'x', 'action'],
  ['start names no step', { ...ok, start: 'nope' }, null, 'start'],
  ['an unknown workflow type', { ...ok, type: 'party' }, null, 'type'],
];

// Definitions over HTTP: the plan gate, validation with a pointer, versions, simulation, diagram.
describeEachDatabase('workflow definitions over HTTP', (ctx) => {
  let app: NestFastifyApplication;
  let w: WorkflowWorld;
  let http: ReturnType<typeof client>;
  const admin = () => w.a.users.ADMIN.token;

  beforeAll(async () => {
    app = await startWorkflowApi(ctx());
    w = await buildWorkflowWorld(app);
    http = client(app);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('refuses every bad definition with a pointer to the faulty step and field, and stores nothing', async () => {
    expect(BAD.length).toBeGreaterThanOrEqual(15);
    for (const [name, def, step, field] of BAD) {
      const res = await http.post('/workflow/definitions', admin(), { definition: def });
      expect({ name, status: res.statusCode }).toEqual({ name, status: 400 });
      expect({ name, ...res.json() }).toMatchObject({ name, code: 'WORKFLOW.DEFINITION_INVALID', step, field });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await http.get('/workflow/definitions', admin())).json().items).toEqual([]);
    const events = await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE stream_type = 'WorkflowDefinition'`);
    expect(events[0].n).toBe(0);
  });

  it('publishes version n+1; running instances stay on the version they started with', async () => {
    const v1 = await http.post('/workflow/definitions', admin(), { definition: definition([task('fill', { role: 'USER' }, 'done'), end('done')], { name: 'Pinning' }) });
    expect(v1.statusCode).toBe(201);
    expect(v1.json()).toMatchObject({ name: 'Pinning', version: 1, isActive: true, type: 'approval' });
    const id = v1.json().id as string;
    const first = await http.post(`/workflow/definitions/${id}/instances`, w.a.users.USER.token, { data: {} });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ version: 1, status: 'running', current: { stepId: 'fill', kind: 'task' } });

    const v2 = await http.post(`/workflow/definitions/${id}/versions`, admin(), { definition: definition([approval('sign', { role: 'ADMIN' }, 'any', 'done'), end('done')], { name: 'Pinning' }) });
    expect(v2.statusCode).toBe(201);
    expect(v2.json()).toMatchObject({ version: 2 });
    const second = await http.post(`/workflow/definitions/${id}/instances`, w.a.users.USER.token, { data: {} });
    expect(second.json()).toMatchObject({ version: 2, current: { stepId: 'sign', kind: 'approval' } });

    // v1's instance goes on through v1's steps.
    const still = await http.get(`/workflow/instances/${first.json().id}`, admin());
    expect(still.json()).toMatchObject({ version: 1, current: { stepId: 'fill' } });
    const done = await http.post(`/workflow/tasks/${still.json().current.taskId}/complete`, w.a.users.USER.token, { data: { note: 'ok' }, dataVersion: 0 });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ version: 1, status: 'completed', outcome: 'done', data: { note: 'ok' }, dataVersion: 1 });
    expect((await http.get(`/workflow/definitions/${id}?version=1`, admin())).json()).toMatchObject({ version: 1, definition: { steps: [{ id: 'fill' }, { id: 'done' }] } });

    // Deactivated: no new instances; publishing again reactivates.
    expect((await http.post(`/workflow/definitions/${id}/deactivate`, admin(), { reason: 'retired' })).json()).toMatchObject({ isActive: false });
    const refused = await http.post(`/workflow/definitions/${id}/instances`, w.a.users.USER.token, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('WORKFLOW.DEFINITION_INACTIVE');
  });

  it('simulates the path on sample data without writing, and draws the definition as Mermaid', async () => {
    const def = definition(
      [
        task('fill', { role: 'USER' }, 'route', { form: { type: 'object', properties: { amount: { type: 'number' } } } }),
        { id: 'route', kind: 'choice', branches: [{ when: { '>': [{ var: 'amount' }, 1000] }, next: 'big' }], otherwise: 'done' },
        approval('big', { role: 'ADMIN' }, 'any', 'done', { onReject: 'refused' }),
        end('done', 'approved'),
        end('refused', 'rejected'),
      ],
      { name: 'Simulated' },
    );
    const id = (await http.post('/workflow/definitions', admin(), { definition: def })).json().id as string;
    const before = await ctx().superuser(`SELECT count(*)::int AS n FROM events`);
    const small = await http.post(`/workflow/definitions/${id}/simulate`, w.a.users.USER.token, { data: { amount: 5 } });
    expect(small.statusCode).toBe(200);
    expect(small.json()).toEqual({ path: [{ stepId: 'fill', kind: 'task', outcome: 'done' }, { stepId: 'route', kind: 'choice', branch: null }, { stepId: 'done', kind: 'end', outcome: 'approved' }], outcome: 'approved', truncated: false });
    const big = await http.post(`/workflow/definitions/${id}/simulate`, w.a.users.USER.token, { data: { amount: 5000 }, decisions: { big: 'reject' } });
    expect(big.json().path.map((s: { stepId: string }) => s.stepId)).toEqual(['fill', 'route', 'big', 'refused']);
    expect(big.json().outcome).toBe('rejected');
    expect((await ctx().superuser(`SELECT count(*)::int AS n FROM events`))[0].n).toBe(before[0].n);

    const diagram = await http.get(`/workflow/definitions/${id}/diagram`, w.a.users.VIEWER.token);
    expect(diagram.statusCode).toBe(200);
    expect(diagram.headers['content-type']).toMatch(/^text\/plain/);
    expect(diagram.body).toMatch(/^flowchart TD\n/);
    expect(diagram.body).toContain('s_route -->|branch 1| s_big');
    expect(diagram.body).toContain('s_big -->|rejected| s_refused');
  });

  it('is the workflow plan module and needs workflows:write to publish', async () => {
    const noPlan = await http.post(`/billing/companies/${w.b.companyId}/subscription/tier`, w.platform.token, { tier: 'STARTER', price: '19.00' });
    expect(noPlan.statusCode).toBe(200);
    const gated = await http.get('/workflow/definitions', w.b.users.ADMIN.token);
    expect(gated.statusCode).toBe(403);
    expect(gated.json().code).toBe('BILLING.FEATURE_NOT_IN_PLAN');
    const viewer = await http.post('/workflow/definitions', w.a.users.VIEWER.token, { definition: ok });
    expect(viewer.statusCode).toBe(403);
  });
});
