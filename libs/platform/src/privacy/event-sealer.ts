import type { Tx } from '../database/database';
import type { NewEvent, StreamRef } from '../event-store/event.types';
import { blindDigest, destroySubjectKey, ensureDataKeys, indexKey, writeBlindIndex } from './data-keys';
import type { KeyRing } from './key-ring';
import type { PersonalDataRegistry } from './personal-data.registry';
import { PrivacyError } from './privacy.errors';
import { collectSealed, isSubjectId, sealValue } from './sealed-value';

/** The hook CommandRunner calls between assigning event ids and appending (see command-runner.ts). */
export type EventSealerHook = { seal(tx: Tx, stream: StreamRef, events: NewEvent[]): Promise<NewEvent[]> };

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
 * fields go to their own table in the same transaction, never into the event. An erasing event
 * destroys its subject's key and leaves the tombstone, in the same transaction as the event.
 */
export class EventSealer implements EventSealerHook {
  constructor(
    private readonly registry: PersonalDataRegistry,
    private readonly ring: KeyRing,
  ) {}

  async seal(tx: Tx, stream: StreamRef, events: NewEvent[]): Promise<NewEvent[]> {
    if (!events.some((e) => this.registry.eventPrivacy(e.type))) return events;
    const companyId = stream.companyId;
    if (!companyId) throw new PrivacyError('PRIVACY.NO_COMPANY', `Personal data belongs to a company; stream ${stream.id} has none.`);
    const keys = new Map<string, Buffer>();
    let idxKey: Buffer | null = null;
    const out: NewEvent[] = [];
    for (const e of events) {
      const rule = this.registry.eventPrivacy(e.type);
      if (!rule) {
        out.push(e);
        continue;
      }
      const subjectId = readPath(e.data, rule.subject);
      if (!isSubjectId(subjectId)) throw new PrivacyError('PRIVACY.SUBJECT_INVALID', `${e.type} names no valid data subject at "${rule.subject}".`);
      refuseSealedInput(e);
      if (rule.erases) {
        await destroySubjectKey(tx, companyId, subjectId, e.eventId, e.type);
        keys.delete(subjectId);
        out.push(e);
        continue;
      }
      const present = rule.fields.filter((f) => (!f.when || f.when(e.data)) && readPath(e.data, f.path) !== undefined && readPath(e.data, f.path) !== null);
      if (!present.length) {
        out.push(e);
        continue;
      }
      if (!keys.has(subjectId)) keys.set(subjectId, (await ensureDataKeys(tx, this.ring, companyId, [subjectId])).get(subjectId)!);
      const dataKey = keys.get(subjectId)!;
      const data = JSON.parse(JSON.stringify(e.data)) as Record<string, unknown>;
      const digests: { field: string; digest: Buffer; subjectId: string }[] = [];
      for (const f of present) {
        const value = readPath(data, f.path);
        const normalised = f.lookup?.(value) ?? null;
        if (normalised) {
          idxKey ??= await indexKey(tx, this.ring, companyId);
          digests.push({ field: f.field, digest: blindDigest(idxKey, f.field, normalised), subjectId });
        }
        writePath(data, f.path, sealValue(dataKey, companyId, { keyVersion: 1, subjectId, field: f.field, bindingId: e.eventId }, value));
      }
      await writeBlindIndex(tx, companyId, digests);
      out.push({ ...e, data });
    }
    return out;
  }
}

// A client must not plant a sealed-looking string anywhere in an event: only the sealer writes them.
function refuseSealedInput(e: NewEvent): void {
  if (collectSealed(e.data).length) throw new PrivacyError('PRIVACY.SEALED_INPUT_FORBIDDEN', 'A value may not start with "mpl1.": that prefix is reserved for encrypted values.');
}
