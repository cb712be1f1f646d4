import jsonLogic from 'json-logic-js';

// The JSON Logic operations a condition may use: json-logic-js's own, minus none. Checked at
// publish time, so that a choice never fails at run time on an unknown operation.
const OPERATIONS = new Set([
  '==', '===', '!=', '!==', '>', '>=', '<', '<=', '!', '!!', 'or', 'and', '?:', 'if', 'in', 'cat', 'substr', '+', '-', '*', '/', '%', 'min', 'max',
  'merge', 'var', 'missing', 'missing_some', 'some', 'all', 'none', 'map', 'filter', 'reduce',
]);

/** Why a rule is not JSON Logic this engine runs, or null when it is. */
export function logicProblem(rule: unknown, depth = 0): string | null {
  if (depth > 32) return 'the rule is nested too deeply';
  if (rule === null || typeof rule !== 'object') return null;
  if (Array.isArray(rule)) {
    for (const r of rule) {
      const p = logicProblem(r, depth + 1);
      if (p) return p;
    }
    return null;
  }
  const keys = Object.keys(rule);
  if (keys.length !== 1) return 'an operation is an object with exactly one key';
  if (!OPERATIONS.has(keys[0])) return `unknown operation "${keys[0]}"`;
  return logicProblem((rule as Record<string, unknown>)[keys[0]], depth + 1);
}

/** Evaluates a rule over data; pure (json-logic-js has no clock or I/O). */
export function evaluate(rule: unknown, data: unknown): unknown {
  return jsonLogic.apply(rule as jsonLogic.RulesLogic, data);
}

export function truthy(v: unknown): boolean {
  return jsonLogic.truthy(v);
}
