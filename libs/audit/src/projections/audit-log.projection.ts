import { PLATFORM_CHAIN } from '@maple/platform';
import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { AuditActions } from '../domain/audit-actions';
import { diffStates, evolveFlat } from '../domain/entity-state';
import { withoutSecrets } from '../domain/secrets';
import type { FlatState } from '../domain/entity-state';

// Platform-level events (no company) are audited under the platform key, except a company's
// own stream, which belongs to that company's auditors.
export function auditCompanyOf(e: Pick<StoredEvent, 'companyId' | 'streamType' | 'streamId'>): string {
  return e.companyId ?? (e.streamType === 'Company' ? e.streamId : PLATFORM_CHAIN);
}

/** What one event adds to the audit trail, given the entity's previous flat state. */
// No secret is written into an audit row or the running state, whatever an event carries.
function auditRow(actions: AuditActions, e: StoredEvent, prior: FlatState) {
  const before = withoutSecrets(prior);
  const action = actions.actionFor(e.type, e.version);
  const after = evolveFlat(before, withoutSecrets(actions.fieldsOf(e.type, e.data)), action);
  return {
    after,
    row: {
      id: e.eventId,
      action,
      entityType: e.streamType,
      entityId: e.streamId,
      userId: e.metadata.actorId ?? 'system',
      companyId: auditCompanyOf(e),
      changes: diffStates(before, after),
      ipAddress: e.metadata.ip ?? null,
      userAgent: e.metadata.userAgent ?? null,
      timestamp: e.recordedAt.toISOString(),
    },
  };
}

/**
 * One AuditLog row per domain event, inline (same transaction as the append). The entity's
 * previous flat state is kept in audit_entity_state so the row's `changes` hold exactly the
 * fields that changed. Idempotent: the row id is the event id and the state only moves forward.
 * `applyBatch` (rebuilds) does the same for many events in three statements.
 */
export function auditLogProjection(actions: AuditActions): Projection {
  return {
    name: 'audit-log',
    handles: '*',
    tables: ['AuditLog', 'audit_entity_state'],
    async apply(tx: Tx, e: StoredEvent): Promise<void> {
      const [prev] = await tx.query<{ version: number; state: FlatState }>(
        'SELECT version, state FROM audit_entity_state WHERE stream_id = $1',
        e.streamId,
      );
      if (prev && prev.version >= e.version) return;
      const { row, after } = auditRow(actions, e, prev?.state ?? {});
      await tx.execute(
        `WITH row AS (
           INSERT INTO "AuditLog" ("id", "action", "entityType", "entityId", "userId", "companyId", "changes", "ipAddress", "userAgent", "timestamp")
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, ($10::timestamptz AT TIME ZONE 'UTC'))
           ON CONFLICT DO NOTHING)
         INSERT INTO audit_entity_state (stream_id, company_id, version, state) VALUES ($4, $11, $12, $13::jsonb)
         ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state = excluded.state
          WHERE audit_entity_state.version < excluded.version`,
        row.id,
        row.action,
        row.entityType,
        row.entityId,
        row.userId,
        row.companyId,
        JSON.stringify(row.changes),
        row.ipAddress,
        row.userAgent,
        row.timestamp,
        e.companyId,
        e.version,
        JSON.stringify(after),
      );
    },
    async applyBatch(tx: Tx, events: readonly StoredEvent[]): Promise<void> {
      const streams = [...new Set(events.map((e) => e.streamId))];
      const known = await tx.query<{ stream_id: string; version: number; state: FlatState }>(
        'SELECT stream_id, version, state FROM audit_entity_state WHERE stream_id IN (SELECT jsonb_array_elements_text($1::jsonb))',
        JSON.stringify(streams),
      );
      // Each stream's state as the events move it, in order. A new stream's row takes the company
      // of the event that creates it, as `apply` does; an existing row keeps its company.
      const states = new Map(known.map((k) => [k.stream_id, { version: k.version, state: k.state, companyId: null as string | null, moved: false }]));
      const rows: ReturnType<typeof auditRow>['row'][] = [];
      for (const e of events) {
        const prev = states.get(e.streamId);
        if (prev && prev.version >= e.version) continue;
        const { row, after } = auditRow(actions, e, prev?.state ?? {});
        rows.push(row);
        // Through JSON, as the state comes back from jsonb in `apply`.
        states.set(e.streamId, { version: e.version, state: JSON.parse(JSON.stringify(after)) as FlatState, companyId: prev ? prev.companyId : e.companyId, moved: true });
      }
      if (!rows.length) return;
      await tx.execute(
        `INSERT INTO "AuditLog" ("id", "action", "entityType", "entityId", "userId", "companyId", "changes", "ipAddress", "userAgent", "timestamp")
         SELECT r.id, r.action, r."entityType", r."entityId", r."userId", r."companyId", r.changes, r."ipAddress", r."userAgent", (r.timestamp AT TIME ZONE 'UTC')
           FROM jsonb_to_recordset($1::jsonb) AS r(id text, action text, "entityType" text, "entityId" text, "userId" text, "companyId" text, changes jsonb, "ipAddress" text, "userAgent" text, timestamp timestamptz)
         ON CONFLICT DO NOTHING`,
        JSON.stringify(rows),
      );
      const moved = [...states.entries()].filter(([, s]) => s.moved).map(([stream_id, s]) => ({ stream_id, company_id: s.companyId, version: s.version, state: s.state }));
      await tx.execute(
        `INSERT INTO audit_entity_state (stream_id, company_id, version, state)
         SELECT r.stream_id, r.company_id, r.version, r.state FROM jsonb_to_recordset($1::jsonb) AS r(stream_id text, company_id text, version int, state jsonb)
         ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state = excluded.state
          WHERE audit_entity_state.version < excluded.version`,
        JSON.stringify(moved),
      );
    },
  };
}
