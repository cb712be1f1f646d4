import Ajv from 'ajv';
import type { ErrorObject } from 'ajv';
import { ACTIONS, ROLES, TRIGGER_EVENTS, WORKFLOW_TYPES } from './definition.types';

// The JSON Schema of Maple's definition format. Steps are a tagged union on `kind`
// (ajv's discriminator), so an error names the field of the step's own kind, not six branches.
const id = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' };
const role = { enum: [...ROLES] };
const title = { type: 'string', maxLength: 200 };
const sla = {
  type: 'object',
  additionalProperties: false,
  required: ['due', 'onBreach'],
  properties: {
    due: { type: 'string', maxLength: 32 },
    onBreach: {
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['reassignTo'], properties: { reassignTo: role } },
        { type: 'object', additionalProperties: false, required: ['notify'], properties: { notify: { const: true } } },
        { type: 'object', additionalProperties: false, required: ['autoReject'], properties: { autoReject: { const: true } } },
      ],
    },
  },
};
const base = (kind: string, props: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', ...required],
  properties: { id, kind: { const: kind }, title, ...props },
});

export const DEFINITION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'start', 'steps'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    type: { enum: [...WORKFLOW_TYPES] },
    start: { type: 'string', maxLength: 64 },
    triggers: {
      type: 'array',
      maxItems: 10,
      items: { type: 'object', additionalProperties: false, required: ['event'], properties: { event: { enum: [...TRIGGER_EVENTS] }, when: {} } },
    },
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        required: ['kind'],
        discriminator: { propertyName: 'kind' },
        oneOf: [
          base('task', { assignee: { oneOf: [{ type: 'object', additionalProperties: false, required: ['role'], properties: { role } }, { type: 'object', additionalProperties: false, required: ['user'], properties: { user: { type: 'string', minLength: 1, maxLength: 64 } } }] }, form: { type: 'object' }, sla, next: id, onReject: id }, ['assignee', 'next']),
          base(
            'approval',
            {
              assignees: { oneOf: [{ type: 'object', additionalProperties: false, required: ['role'], properties: { role } }, { type: 'object', additionalProperties: false, required: ['users'], properties: { users: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 } } } }] },
              complete: { oneOf: [{ enum: ['any', 'all'] }, { type: 'object', additionalProperties: false, required: ['quorum'], properties: { quorum: { type: 'integer', minimum: 1, maximum: 50 } } }] },
              sla,
              next: id,
              onReject: id,
            },
            ['assignees', 'complete', 'next'],
          ),
          base('choice', { branches: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'object', additionalProperties: false, required: ['when', 'next'], properties: { when: {}, next: id } } }, otherwise: id }, ['branches', 'otherwise']),
          base('timer', { duration: { type: 'string', maxLength: 32 }, until: { type: 'string', format: 'date-time' }, next: id }, ['next']),
          base('action', { action: { enum: [...ACTIONS] }, input: { type: 'object', additionalProperties: false, required: ['recordId', 'reason'], properties: { recordId: {}, reason: { type: 'string', minLength: 3, maxLength: 2000 } } }, next: id }, ['action', 'input', 'next']),
          base('end', { outcome: { enum: ['approved', 'rejected', 'done'] } }, []),
        ],
      },
    },
  },
};

const ajv = new Ajv({ allErrors: false, discriminator: true, strict: false });
ajv.addFormat('date-time', { validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) });
const validateShape = ajv.compile(DEFINITION_SCHEMA);

/** One problem with a definition, pointing at the step (by id, when it has one) and the field. */
export type DefinitionProblem = { step: string | null; field: string; message: string };

/** The shape problems of a definition (the first one found), or [] when its shape is right. */
export function shapeProblems(input: unknown): DefinitionProblem[] {
  if (validateShape(input)) return [];
  const errors = validateShape.errors ?? [];
  // A failed oneOf lists every branch's complaint first: the oneOf itself names the field.
  const oneOf = errors.find((e) => e.keyword === 'oneOf');
  return [pointAt(input, oneOf ?? errors[0])];
}

function pointAt(input: unknown, e: ErrorObject): DefinitionProblem {
  const parts = e.instancePath.split('/').slice(1);
  const missing = e.keyword === 'required' ? String((e.params as { missingProperty?: string }).missingProperty) : null;
  const extra = e.keyword === 'additionalProperties' ? String((e.params as { additionalProperty?: string }).additionalProperty) : null;
  const tail = [...parts, ...(missing ? [missing] : []), ...(extra ? [extra] : [])];
  if (tail[0] === 'steps' && tail.length > 1) {
    const index = Number(tail[1]);
    const steps = (input as { steps?: unknown[] }).steps ?? [];
    const stepId = (steps[index] as { id?: unknown } | undefined)?.id;
    return { step: typeof stepId === 'string' ? stepId : `#${index}`, field: tail.slice(2).join('.') || 'kind', message: messageOf(e) };
  }
  return { step: null, field: tail.join('.') || '(definition)', message: messageOf(e) };
}

function messageOf(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'required') return `is required`;
  if (e.keyword === 'oneOf') return 'matches none of the allowed forms';
  if (e.keyword === 'discriminator') return `kind must be one of task, approval, choice, timer, action, end`;
  if (e.keyword === 'enum') return `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
  return e.message ?? 'is invalid';
}
