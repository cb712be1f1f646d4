import type { MatrixRole } from '../auth/permissions';
import type { Tx } from '../database/database';
import { blindDigest, findByDigest, indexKey, loadDataKeys } from './data-keys';
import type { SubjectKey } from './data-keys';
import { MARKERS, accessLevel, maskValue } from './field-access';
import type { AccessLevel, Relation } from './field-access';
import type { KeyRing } from './key-ring';
import type { PersonalDataRegistry, PersonalDataView } from './personal-data.registry';
import { PrivacyError } from './privacy.errors';
import { collectSealed, mapSealed, openValue, parseSealed } from './sealed-value';
import type { ParsedSealed } from './sealed-value';

/** Who reads, why, and what: the field policy decides the levels, the access log records it. */
export type ReadContext = {
  viewer: { userId: string; role: MatrixRole };
  purpose?: string | null;
  /** An emergency read: every field in full, logged and flagged with its reason. */
  breakGlass?: { reason: string } | null;
  /** Without a purpose a sensitive value is refused (API reads) or withheld behind a marker (audit trails). */
  withoutPurpose: 'refuse' | 'withhold';
  /** 'all': every field in full, e.g. a subject access export; 'policy' (default): the matrix. */
  levels?: 'policy' | 'all';
  entity: { type: string; id: string };
  /** The viewer's relations per subject when the caller has them already (else the registry's resolvers are asked). */
  relations?: ReadonlyMap<string, readonly Relation[]>;
  ip?: string | null;
  userAgent?: string | null;
};

/** A sealed value and, where the reader knows it, where it must belong. */
export type SealedItem = { sealed: string; expect?: { subjectId: string; field?: string } };

type Plan = { parsed: ParsedSealed | null; level: AccessLevel | 'unreadable' | 'withheld' };

/**
 * Reads personal data for a person: the one place that decrypts for a response. The level of
 * each field comes from its rule in the registry (role and relation, deny by default); sensitive
 * values need a purpose; erased subjects read as [erased]; every read of a sensitive field (and
 * every break-glass read) is written to the access log in the reading transaction.
 */
export class PersonalDataReader {
  constructor(
    private readonly registry: PersonalDataRegistry,
    private readonly ring: KeyRing,
  ) {}

  /** Every sealed string inside `value` replaced by what the viewer may see of it. */
  async reveal<T>(tx: Tx, ctx: ReadContext, companyId: string, value: T): Promise<T> {
    const sealed = [...new Set(collectSealed(value))];
    if (!sealed.length) return value;
    const out = await this.revealItems(tx, ctx, companyId, sealed.map((s) => ({ sealed: s })));
    const byString = new Map(sealed.map((s, i) => [s, out[i]]));
    return mapSealed(value, (s) => byString.get(s)) as T;
  }

  /** The items in order, each as its value (full or masked) or a marker. */
  async revealItems(tx: Tx, ctx: ReadContext, companyId: string, items: readonly SealedItem[]): Promise<unknown[]> {
    const plans: Plan[] = items.map((it) => {
      const parsed = parseSealed(it.sealed);
      // A value read from somewhere it was not sealed for is not shown, whatever the viewer's rights.
      if (!parsed || (it.expect && (parsed.subjectId !== it.expect.subjectId || (it.expect.field !== undefined && parsed.field !== it.expect.field)))) return { parsed: null, level: 'unreadable' };
      return { parsed, level: 'hidden' };
    });
    await this.decideLevels(tx, ctx, companyId, plans);
    const missing = plans.filter((p) => p.level === 'withheld').map((p) => p.parsed!.field);
    if (missing.length && ctx.withoutPurpose === 'refuse') {
      throw new PrivacyError('PRIVACY.PURPOSE_REQUIRED', 'Reading sensitive personal data needs a purpose: send the X-Purpose header (or the purpose parameter).', { fields: [...new Set(missing)] });
    }
    const subjects = [...new Set(plans.filter((p) => p.level === 'full' || p.level === 'masked').map((p) => p.parsed!.subjectId))];
    const keys = new Map((await loadDataKeys(tx, this.ring, companyId, subjects)).map((k) => [k.subjectId, k]));
    const revealed = new Map<string, Set<string>>();
    const out = plans.map((p) => this.render(p, keys, companyId, revealed));
    await this.log(tx, ctx, companyId, revealed);
    return out;
  }

  /**
   * Decrypts one value for the system itself (never for a response), checking it belongs where it
   * was read from. Throws on any mismatch; returns the erased marker for an erased subject.
   */
  async open(tx: Tx, companyId: string, sealed: string, expect: { subjectId: string; field?: string; bindingId?: string }): Promise<unknown> {
    const p = parseSealed(sealed);
    if (!p || p.subjectId !== expect.subjectId || (expect.field !== undefined && p.field !== expect.field) || (expect.bindingId !== undefined && p.bindingId !== expect.bindingId)) {
      throw new PrivacyError('PRIVACY.CIPHERTEXT_MISPLACED', 'An encrypted value does not belong where it was read from.');
    }
    const [key] = await loadDataKeys(tx, this.ring, companyId, [p.subjectId]);
    if (!key || key.erased) return MARKERS.erased;
    try {
      return openValue(key.key, companyId, p);
    } catch {
      throw new PrivacyError('PRIVACY.CIPHERTEXT_MISPLACED', 'An encrypted value does not belong where it was read from.');
    }
  }

  /** Subjects whose `field` had exactly this value (through the company's keyed blind index). */
  async lookup(tx: Tx, companyId: string, field: string, normalised: string): Promise<string[]> {
    return findByDigest(tx, companyId, field, blindDigest((await indexKey(tx, this.ring, companyId)).key, field, normalised));
  }

  private async decideLevels(tx: Tx, ctx: ReadContext, companyId: string, plans: Plan[]): Promise<void> {
    const live = plans.filter((p) => p.parsed);
    const all = ctx.levels === 'all' || Boolean(ctx.breakGlass);
    const roleOnly = { role: ctx.viewer.role, relations: [] as Relation[] };
    const relations = new Map<string, readonly Relation[]>(ctx.relations ?? []);
    // Relations (SELF, MANAGER) are looked up only when the role alone does not already grant everything.
    if (!all && !ctx.relations && live.some((p) => accessLevel(this.registry.fieldRule(p.parsed!.field), roleOnly) !== 'full')) {
      const subjects = [...new Set(live.map((p) => p.parsed!.subjectId))];
      for (const resolve of this.registry.relationResolvers(live.map((p) => p.parsed!.field))) {
        for (const [s, rel] of await resolve(tx, ctx.viewer.userId, companyId, subjects)) relations.set(s, [...(relations.get(s) ?? []), ...rel]);
      }
    }
    for (const p of live) {
      const rule = this.registry.fieldRule(p.parsed!.field);
      p.level = all ? 'full' : accessLevel(rule, { role: ctx.viewer.role, relations: relations.get(p.parsed!.subjectId) ?? [] });
      if (p.level !== 'hidden' && rule?.classification === 'sensitive' && !ctx.purpose && !ctx.breakGlass) p.level = 'withheld';
    }
  }

  private render(p: Plan, keys: Map<string, SubjectKey>, companyId: string, revealed: Map<string, Set<string>>): unknown {
    if (p.level === 'unreadable') return MARKERS.unreadable;
    if (p.level === 'withheld') return MARKERS.purposeRequired;
    if (p.level === 'hidden') return MARKERS.hidden;
    const s = p.parsed!;
    const key = keys.get(s.subjectId);
    if (!key || key.erased) return MARKERS.erased;
    let value: unknown;
    try {
      value = openValue(key.key, companyId, s);
    } catch {
      return MARKERS.unreadable;
    }
    if (!revealed.has(s.subjectId)) revealed.set(s.subjectId, new Set());
    revealed.get(s.subjectId)!.add(s.field);
    const rule = this.registry.fieldRule(s.field);
    return p.level === 'masked' && rule ? maskValue(rule, value) : value;
  }

  private async log(tx: Tx, ctx: ReadContext, companyId: string, revealed: Map<string, Set<string>>): Promise<void> {
    const views: PersonalDataView[] = [];
    for (const [subjectId, fields] of revealed) {
      const sensitive = [...fields].some((f) => this.registry.fieldRule(f)?.classification === 'sensitive');
      if (!sensitive && !ctx.breakGlass) continue;
      views.push({
        companyId,
        subjectId,
        userId: ctx.viewer.userId,
        fields: [...fields].sort(),
        purpose: ctx.breakGlass ? ctx.breakGlass.reason : (ctx.purpose ?? ''),
        breakGlass: Boolean(ctx.breakGlass),
        entityType: ctx.entity.type,
        entityId: ctx.entity.id,
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent ?? null,
      });
    }
    if (!views.length) return;
    const sink = this.registry.accessLogSink();
    // Fail closed: a sensitive read that cannot be logged does not happen.
    if (!sink) throw new PrivacyError('PRIVACY.ACCESS_LOG_MISSING', 'Sensitive personal data cannot be read: no access log is configured.');
    await sink(tx, views);
  }
}
