import type { Definition } from './definition.types';
import { validateDefinition } from './definition-graph';
import { toMermaid } from './diagram';
import { simulate } from './simulate';

const loop = (waitKind: 'timer' | 'task'): unknown => ({
  name: 'Reminder loop',
  type: 'compliance',
  start: 'check',
  steps: [
    { id: 'check', kind: 'task', title: 'Check\nthe "file"', assignee: { role: 'USER' }, next: 'route' },
    { id: 'route', kind: 'choice', branches: [{ when: { '==': [{ var: 'done' }, true] }, next: 'end' }], otherwise: 'wait' },
    waitKind === 'timer' ? { id: 'wait', kind: 'timer', duration: 'P1D', next: 'check' } : { id: 'wait', kind: 'task', assignee: { role: 'USER' }, next: 'check' },
    { id: 'end', kind: 'end' },
  ],
});

describe('workflow definitions', () => {
  it('accepts a cycle that waits on a timer, refuses the same cycle without one', () => {
    expect(() => validateDefinition(loop('timer'))).not.toThrow();
    expect(() => validateDefinition(loop('task'))).toThrow(expect.objectContaining({ code: 'WORKFLOW.DEFINITION_INVALID', details: expect.objectContaining({ step: 'check', field: 'next' }) }));
  });

  it('draws one Mermaid line per node and edge, with labels that cannot break the diagram', () => {
    const text = toMermaid(validateDefinition(loop('timer')));
    expect(text.split('\n')[0]).toBe('flowchart TD');
    expect(text).toContain(`s_check["Check the 'file' (task)"]`);
    expect(text).toContain('s_wait -->|P1D| s_check');
  });

  it('simulates a loop to its end, and stops a loop that never ends', () => {
    const d = validateDefinition(loop('timer')) as Definition;
    expect(simulate(d, { done: true }, {}, new Date()).outcome).toBe('done');
    expect(simulate(d, { done: false }, {}, new Date())).toMatchObject({ outcome: null, truncated: true });
  });
});
