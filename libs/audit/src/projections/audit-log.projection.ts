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

/**
 * One AuditLog row per domain event, inline (same transaction as the append). The entity's
 * previous flat state is kept in audit_entity_state so the row's `changes` hold exactly the
 * fields that changed. Idempotent: the row id is the event id and the state only moves forward.
 */
export function auditLogProjection(actions: AuditActions): Projection {
  return {
    name: 'audit-log',
    handles: '*',
    async apply(tx: Tx, e: StoredEvent): Promise<void> {
      const [prev] = await tx.query<{ version: number; state: FlatState }>(
        'SELECT version, state FROM audit_entity_state WHERE stream_id = $1',
        e.streamId,
      );
      if (prev && prev.version >= e.version) return;
      // No secret is written into an audit row or the running state, whatever an event carries.
      const before = withoutSecrets(prev?.state ?? {});
      const action = actions.actionFor(e.type, e.version);
      const after = evolveFlat(before, withoutSecrets(actions.fieldsOf(e.type, e.data)), action);
      const companyId = auditCompanyOf(e);
      await tx.execute(
        `WITH row AS (
           INSERT INTO "AuditLog" ("id", "action", "entityType", "entityId", "userId", "companyId", "changes", "ipAddress", "userAgent", "timestamp")
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, ($10::timestamptz AT TIME ZONE 'UTC'))
           ON CONFLICT DO NOTHING)
         INSERT INTO audit_entity_state (stream_id, company_id, version, state) VALUES ($4, $11, $12, $13::jsonb)
         ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state = excluded.state
          WHERE audit_entity_state.version < excluded.version`,
        e.eventId,
        action,
        e.streamType,
        e.streamId,
        e.metadata.actorId ?? 'system',
        companyId,
        JSON.stringify(diffStates(before, after)),
        e.metadata.ip ?? null,
        e.metadata.userAgent ?? null,
        e.recordedAt.toISOString(),
        e.companyId,
        e.version,
        JSON.stringify(after),
      );
    },
  };
}
