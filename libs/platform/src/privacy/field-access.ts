import type { MatrixRole } from '../auth/permissions';

/** How sensitive a field is. Personal and sensitive values are always stored sealed. */
export type Classification = 'public' | 'internal' | 'personal' | 'sensitive';

/** What a viewer gets of a field: nothing, a masked form (e.g. the last 4 characters), or the value. */
export type AccessLevel = 'hidden' | 'masked' | 'full';

/** How a person relates to the data subject, beyond their role. */
export type Relation = 'SELF' | 'MANAGER';

/** A column of a field-access matrix: a role, or a relation to the subject. */
export type Audience = MatrixRole | Relation;

export type FieldRule = {
  classification: Classification;
  /** Deny by default: an audience missing here sees nothing of the field. */
  access: Partial<Record<Audience, AccessLevel>>;
  /** The masked form; the default keeps the last 4 characters. */
  mask?: (value: unknown) => unknown;
};

export type FieldViewer = { role: MatrixRole; relations: readonly Relation[] };

const RANK: Record<AccessLevel, number> = { hidden: 0, masked: 1, full: 2 };

/** The widest level any of the viewer's audiences (role and relations) grants; hidden when none does. */
export function accessLevel(rule: FieldRule | undefined, viewer: FieldViewer): AccessLevel {
  if (!rule) return 'hidden';
  let best: AccessLevel = 'hidden';
  for (const a of [viewer.role, ...viewer.relations] as Audience[]) {
    const level = rule.access[a];
    if (level && RANK[level] > RANK[best]) best = level;
  }
  return best;
}

/** `********6789`: the last 4 characters, the rest starred (numbers and objects as their text). */
export function maskLast4(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  const keep = s.length > 4 ? s.slice(-4) : '';
  return '*'.repeat(Math.max(4, s.length - keep.length)) + keep;
}

export function maskValue(rule: FieldRule, value: unknown): unknown {
  return (rule.mask ?? maskLast4)(value);
}

/** Markers that stand in for a value a viewer does not get (the same in every read path). */
export const MARKERS = {
  erased: '[erased]',
  hidden: '[hidden]',
  purposeRequired: '[purpose required]',
  unreadable: '[unreadable]',
} as const;
