import { canonicalJson } from '@maple/platform';
import type { AuditAction } from './audit-actions';

/** An entity as auditors see it: the shallow merge of its events' data, field by field. */
export type FlatState = Record<string, unknown>;

/** Exactly the fields that changed; a field that did not exist on one side is absent there. */
export type Changes = { before: FlatState; after: FlatState };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The next flat state. A DELETE leaves nothing (the entity is gone, every field "changes" to
 * absent); other events merge their data's top-level fields over the previous state. Data that is
 * not an object (rare) changes no field.
 */
export function evolveFlat(state: FlatState, data: unknown, action: AuditAction): FlatState {
  if (action === 'DELETE') return {};
  if (!isPlainObject(data)) return state;
  const next: FlatState = { ...state };
  for (const [k, v] of Object.entries(data)) if (v !== undefined) next[k] = v;
  return next;
}

/** Field-level diff; values compare by canonical JSON so nested objects compare by content. */
export function diffStates(before: FlatState, after: FlatState): Changes {
  const changes: Changes = { before: {}, after: {} };
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const had = Object.prototype.hasOwnProperty.call(before, k);
    const has = Object.prototype.hasOwnProperty.call(after, k);
    if (had && has && canonicalJson(before[k]) === canonicalJson(after[k])) continue;
    if (had) changes.before[k] = before[k];
    if (has) changes.after[k] = after[k];
  }
  return changes;
}
