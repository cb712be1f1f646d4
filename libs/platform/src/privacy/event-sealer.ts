import type { Tx } from '../database/database';
import type { AlongsideWrite } from '../event-store/event-store';
import type { NewEvent, StreamRef } from '../event-store/event.types';
import { randomBytes } from 'node:crypto';
import { blindDigest, dataKeyContext, destroySubjectKey, ensureDataKeys, indexKey } from './data-keys';
import type { BlindIndexEntry } from './data-keys';
import type { KeyRing } from './key-ring';
import type { PersonalDataRegistry, SealedPath } from './personal-data.registry';
import { PrivacyError } from './privacy.errors';
import { collectSealed, isSubjectId, sealValue } from './sealed-value';

/** The events to store, and what must be written in the append's own statement. */
export type Sealed = { events: NewEvent[]; alongside?: AlongsideWrite };

/** The hook CommandRunner calls between assigning event ids and appending (see command-runner.ts). */
export type EventSealerHook = { seal(tx: Tx, stream: StreamRef, events: NewEvent[]): Promise<Sealed> };

export function readPath(data: unknown, path: string): unknown {
  let v: unknown = data;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function writePath(data: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = data;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys[keys.length - 1]] = value;
}

/**
 * Seals the personal fields of events before they reach the event store, so plaintext never
 * does: each value with its subject's data key (created on the subject's first personal value),
 * bound to the company, the subject, the field and the event id. Blind-index digests of lookup
 * fields go to their own table in the same statement as the keys, never into the event. An
 * erasing event destroys its subject's key and leaves the tombstone, in the same transaction.
 */
export class EventSealer implements EventSealerHook {
  // A company's blind-index key never changes (rotation only rewraps it): kept once unwrapped.
  private readonly indexKeys = new Map<string, Buffer>();

  constructor(
    private readonly registry: PersonalDataRegistry,
    private readonly ring: KeyRing,
  ) {}

  async seal(tx: Tx, stream: StreamRef, events: NewEvent[]): Promise<Sealed> {
    if (!events.some((e) => this.registry.eventPrivacy(e.type))) return { events };
    const companyId = stream.companyId;
    if (!companyId) throw new PrivacyError('PRIVACY.NO_COMPANY', `Personal data belongs to a company; stream ${stream.id} has none.`);
    // An erasure in the batch: event by event, so what follows it finds the key gone.
    if (events.some((e) => this.registry.eventPrivacy(e.type)?.erases)) {
      const out: NewEvent[] = [];
      for (const e of events) out.push(...(await this.sealBatch(tx, companyId, [e], false)).events);
      return { events: out };
    }
    return this.sealBatch(tx, companyId, events, true);
  }

  private async sealBatch(tx: Tx, companyId: string, events: NewEvent[], mayDefer: boolean): Promise<Sealed> {
    type Plan = { e: NewEvent; subjectId: string; fields: SealedPath[] } | { e: NewEvent; subjectId: null; fields: [] };
    const plans: Plan[] = events.map((e) => {
      const rule = this.registry.eventPrivacy(e.type);
      if (!rule) return { e, subjectId: null, fields: [] };
      const subjectId = readPath(e.data, rule.subject);
      if (!isSubjectId(subjectId)) throw new PrivacyError('PRIVACY.SUBJECT_INVALID', `${e.type} names no valid data subject at "${rule.subject}".`);
      refuseSealedInput(e);
      const fields = rule.erases ? [] : rule.fields.filter((f) => (!f.when || f.when(e.data)) && readPath(e.data, f.path) !== undefined && readPath(e.data, f.path) !== null);
      return { e, subjectId, fields };
    });
    for (const p of plans) {
      if (p.subjectId && this.registry.eventPrivacy(p.e.type)?.erases) await destroySubjectKey(tx, companyId, p.subjectId, p.e.eventId, p.e.type);
    }
    const sealing = plans.filter((p): p is Plan & { subjectId: string } => p.subjectId !== null && p.fields.length > 0);
    if (!sealing.length) return { events };
    const index: BlindIndexEntry[] = [];
    for (const p of sealing) {
      for (const f of p.fields) {
        const normalised = f.lookup?.(readPath(p.e.data, f.path)) ?? null;
        if (normalised) index.push({ field: f.field, digest: blindDigest(await this.indexKey(tx, companyId), f.field, normalised), subjectId: p.subjectId });
      }
    }
    const subjects = [...new Set(sealing.map((p) => p.subjectId))];
    // A person this very command creates has no key yet: it is made here and stored in the
    // append's own statement (no statement of its own; a key that existed after all fails the
    // insert, and the tombstone trigger still refuses an erased subject).
    const fresh = mayDefer && sealing.every((p) => this.registry.eventPrivacy(p.e.type)?.freshSubject?.(p.e.data));
    let keys: Map<string, Buffer>;
    let alongside: AlongsideWrite | undefined;
    if (fresh) {
      const made = subjects.map((s) => {
        const key = randomBytes(32);
        return { s, key, ...this.ring.wrap(key, dataKeyContext(companyId, s, 1)) };
      });
      keys = new Map(made.map((m) => [m.s, m.key]));
      alongside = freshKeysAlongside(companyId, made, index);
    } else {
      keys = await ensureDataKeys(tx, this.ring, companyId, subjects, index);
    }
    const out = plans.map((p) => {
      if (!p.subjectId || !p.fields.length) return p.e;
      const data = JSON.parse(JSON.stringify(p.e.data)) as Record<string, unknown>;
      for (const f of p.fields) writePath(data, f.path, sealValue(keys.get(p.subjectId)!, companyId, { keyVersion: 1, subjectId: p.subjectId, field: f.field, bindingId: p.e.eventId }, readPath(data, f.path)));
      return { ...p.e, data };
    });
    return { events: out, alongside };
  }

  private async indexKey(tx: Tx, companyId: string): Promise<Buffer> {
    const cached = this.indexKeys.get(companyId);
    if (cached) return cached;
    const { key, created } = await indexKey(tx, this.ring, companyId);
    // Only a committed key is kept: one created here would be lost if this transaction rolled back.
    if (!created) this.indexKeys.set(companyId, key);
    return key;
  }
}

function freshKeysAlongside(companyId: string, keys: { s: string; wrapped: Buffer; kekId: string }[], index: BlindIndexEntry[]): AlongsideWrite {
  return {
    ctes: (n) =>
      `privacy_new_keys AS (INSERT INTO privacy_data_keys (company_id, subject_id, version, wrapped_key, kek_id)
         SELECT $${n}, s, 1, decode(w, 'base64'), k FROM unnest($${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[]) AS x(s, w, k) RETURNING 1),
       privacy_new_index AS (INSERT INTO privacy_blind_index (company_id, field, digest, subject_id)
         SELECT $${n}, f, decode(d, 'base64'), s FROM unnest($${n + 4}::text[], $${n + 5}::text[], $${n + 6}::text[]) AS x(f, d, s) ON CONFLICT DO NOTHING RETURNING 1)`,
    params: [
      companyId,
      keys.map((k) => k.s),
      keys.map((k) => k.wrapped.toString('base64')),
      keys.map((k) => k.kekId),
      index.map((e) => e.field),
      index.map((e) => e.digest.toString('base64')),
      index.map((e) => e.subjectId),
    ],
  };
}

// A client must not plant a sealed-looking string anywhere in an event: only the sealer writes them.
function refuseSealedInput(e: NewEvent): void {
  if (collectSealed(e.data).length) throw new PrivacyError('PRIVACY.SEALED_INPUT_FORBIDDEN', 'A value may not start with "mpl1.": that prefix is reserved for encrypted values.');
}
