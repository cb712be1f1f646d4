import Ajv from 'ajv';
import type { Definition, Step } from './definition.types';
import { successors } from './definition.types';
import type { DefinitionProblem } from './definition-schema';
import { shapeProblems } from './definition-schema';
import { durationMs } from './durations';
import { logicProblem } from './json-logic';
import { WorkflowError } from './workflow.errors';

const formAjv = new Ajv({ strict: true, allErrors: false });

function hasKey(value: unknown, keys: string[], depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 40) return false;
  return Object.entries(value as Record<string, unknown>).some(([k, v]) => keys.includes(k) || hasKey(v, keys, depth + 1));
}

// Rules a JSON Schema cannot say: references between steps, the graph, forms, rules, durations.
function stepProblems(d: Definition): DefinitionProblem[] {
  const out: DefinitionProblem[] = [];
  const ids = new Set<string>();
  const at = (s: Step, field: string, message: string) => out.push({ step: s.id, field, message });
  for (const s of d.steps) {
    if (ids.has(s.id)) at(s, 'id', 'another step has the same id');
    ids.add(s.id);
  }
  for (const s of d.steps) {
    const ref = (field: string, target: string) => !ids.has(target) && at(s, field, `names no step "${target}"`);
    switch (s.kind) {
      case 'task':
        ref('next', s.next);
        if (s.onReject) ref('onReject', s.onReject);
        if (s.form) {
          if (s.form.type !== 'object') at(s, 'form.type', 'a form is a JSON Schema of type object');
          // A definition's regular expression would run on every submission: a backtracking one
          // would stall the API, so forms carry none.
          else if (hasKey(s.form, ['pattern', 'patternProperties'])) at(s, 'form', 'regular expressions (pattern, patternProperties) are not allowed in forms');
          else {
            try {
              formAjv.compile(s.form);
            } catch (e) {
              at(s, 'form', `is not a valid JSON Schema: ${String((e as Error).message).slice(0, 200)}`);
            }
          }
        }
        if (s.sla && durationMs(s.sla.due) === null) at(s, 'sla.due', 'must be an ISO 8601 duration such as PT4H');
        break;
      case 'approval': {
        ref('next', s.next);
        if (s.onReject) ref('onReject', s.onReject);
        const users = 'users' in s.assignees ? s.assignees.users.length : null;
        if (s.complete === 'all' && users === null) at(s, 'complete', '"all" needs a users list: a role has no fixed number of members');
        if (typeof s.complete === 'object' && users !== null && s.complete.quorum > users) at(s, 'complete.quorum', `needs ${s.complete.quorum} approvals from ${users} user(s)`);
        if (s.sla && durationMs(s.sla.due) === null) at(s, 'sla.due', 'must be an ISO 8601 duration such as PT4H');
        break;
      }
      case 'choice':
        s.branches.forEach((b, i) => {
          ref(`branches.${i}.next`, b.next);
          const p = logicProblem(b.when);
          if (p) at(s, `branches.${i}.when`, p);
        });
        ref('otherwise', s.otherwise);
        break;
      case 'timer':
        ref('next', s.next);
        if ((s.duration === undefined) === (s.until === undefined)) at(s, 'duration', 'a timer has either a duration or an until date');
        else if (s.duration !== undefined && durationMs(s.duration) === null) at(s, 'duration', 'must be an ISO 8601 duration such as PT4H');
        break;
      case 'action': {
        ref('next', s.next);
        const p = logicProblem(s.input.recordId);
        if (p) at(s, 'input.recordId', p);
        break;
      }
      case 'end':
        break;
      default: {
        const unknown: never = s;
        return unknown;
      }
    }
  }
  if (!ids.has(d.start)) out.push({ step: null, field: 'start', message: `names no step "${d.start}"` });
  (d.triggers ?? []).forEach((t, i) => {
    const p = t.when === undefined ? null : logicProblem(t.when);
    if (p) out.push({ step: null, field: `triggers.${i}.when`, message: p });
  });
  return out;
}

function graphProblems(d: Definition): DefinitionProblem[] {
  const byId = new Map(d.steps.map((s) => [s.id, s]));
  const next = (id: string) => successors(byId.get(id)!);
  // Unreachable: not reached from the start.
  const reached = new Set<string>();
  const todo = [d.start];
  while (todo.length) {
    const id = todo.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    todo.push(...next(id));
  }
  const out: DefinitionProblem[] = d.steps.filter((s) => !reached.has(s.id)).map((s) => ({ step: s.id, field: 'id', message: 'is unreachable from the start step' }));
  // Dead end: no end step can be reached from it.
  const ends = new Set(d.steps.filter((s) => s.kind === 'end').map((s) => s.id));
  const live = new Set(ends);
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of d.steps) {
      if (live.has(s.id) || !successors(s).some((n) => live.has(n))) continue;
      live.add(s.id);
      changed = true;
    }
  }
  for (const s of d.steps) if (reached.has(s.id) && !live.has(s.id)) out.push({ step: s.id, field: 'next', message: 'is a dead end: no end step can be reached from it' });
  // A cycle must wait somewhere: a loop without a timer would spin (or spam tasks) for ever.
  for (const cycle of cycles(d.steps)) {
    if (!cycle.some((id) => byId.get(id)!.kind === 'timer')) out.push({ step: cycle[0], field: 'next', message: `is in a cycle without a timer (${cycle.join(' -> ')})` });
  }
  return out;
}

// Strongly connected components with a cycle (Tarjan), each in definition order.
function cycles(steps: Step[]): string[][] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let n = 0;
  const visit = (v: string) => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    on.add(v);
    for (const w of successors(byId.get(v)!)) {
      if (!byId.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      const selfLoop = comp.length === 1 && successors(byId.get(v)!).includes(v);
      if (comp.length > 1 || selfLoop) out.push(steps.map((s) => s.id).filter((id) => comp.includes(id)));
    }
  };
  for (const s of steps) if (!index.has(s.id)) visit(s.id);
  return out;
}

/**
 * A definition as it may be published, or a WORKFLOW.DEFINITION_INVALID whose `step` and
 * `field` point at the first fault (all faults of that stage are in `errors`).
 */
export function validateDefinition(input: unknown): Definition {
  const fail = (problems: DefinitionProblem[]): never => {
    const [first] = problems;
    throw new WorkflowError('WORKFLOW.DEFINITION_INVALID', `${first.step ? `step "${first.step}", ` : ''}${first.field}: ${first.message}`, {
      step: first.step,
      field: first.field,
      errors: problems.map((p) => ({ field: p.step ? `steps[${p.step}].${p.field}` : p.field, message: p.message })),
    });
  };
  const shape = shapeProblems(input);
  if (shape.length) fail(shape);
  const d = input as Definition;
  const refs = stepProblems(d);
  if (refs.length) fail(refs);
  const graph = graphProblems(d);
  if (graph.length) fail(graph);
  return d;
}
