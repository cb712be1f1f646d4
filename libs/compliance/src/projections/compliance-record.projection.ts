import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { ComplianceRecordEvent } from '../domain/compliance-record.events';
import { COMPLIANCE_RECORD_EVENT_TYPES } from '../domain/compliance-record.events';

export const recordStreamId = (recordId: string) => `compliance-record-${recordId}`;
export const recordIdOf = (streamId: string) => streamId.replace(/^compliance-record-/, '');

// Inline: a reviewer reads the record right after changing it. Every UPDATE names the
// company too, so it touches one hash partition only.
export const complianceRecordProjection: Projection = {
  name: 'compliance.records',
  handles: COMPLIANCE_RECORD_EVENT_TYPES,
  tables: ['ComplianceRecord'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    const e = { type: stored.type, data: stored.data } as ComplianceRecordEvent;
    const id = recordIdOf(stored.streamId);
    const companyId = stored.companyId;
    const update = (set: string, ...params: unknown[]) =>
      tx.execute(`UPDATE "ComplianceRecord" SET ${set}, "updatedAt" = $3 WHERE id = $1 AND "companyId" = $2`, id, companyId, stored.recordedAt, ...params);
    switch (e.type) {
      case 'ComplianceRecordCreated': {
        const d = e.data;
        const metadata = { ...(d.metadata ?? {}), risk: d.risk, screening: d.screening, correctsRecordId: d.correctsRecordId, approvals: [] };
        await tx.execute(
          `INSERT INTO "ComplianceRecord" (id, type, status, "riskScore", data, metadata, "companyId", "createdBy", "createdAt", "updatedAt")
           VALUES ($1, $2, 'pending', $3, $4::jsonb, $5::jsonb, $6, $7, $8, $8) ON CONFLICT (id, "companyId") DO NOTHING`,
          id,
          d.type,
          d.risk.score,
          JSON.stringify(d.data),
          JSON.stringify(metadata),
          d.companyId,
          d.createdBy,
          stored.recordedAt,
        );
        return;
      }
      case 'ComplianceRecordFlagged':
        await update(`status = 'flagged', "reviewedBy" = CASE WHEN $4 = 'system' THEN "reviewedBy" ELSE $4 END, metadata = metadata || jsonb_build_object('approvals', '[]'::jsonb, 'flagReason', $5::text)`, e.data.by, e.data.reason);
        return;
      case 'ComplianceRecordApprovalGranted':
        await update(`"reviewedBy" = $4, metadata = jsonb_set(metadata, '{approvals}', coalesce(metadata->'approvals', '[]'::jsonb) || to_jsonb($4::text))`, e.data.by);
        return;
      case 'ComplianceRecordApproved':
        await update(`status = 'approved', "reviewedBy" = $4, metadata = metadata || jsonb_build_object('approvals', $5::jsonb, 'decisionReason', $6::text)`, e.data.by, JSON.stringify(e.data.approvers), e.data.reason);
        return;
      case 'ComplianceRecordRejected':
        await update(`status = 'rejected', "reviewedBy" = $4, metadata = metadata || jsonb_build_object('decisionReason', $5::text)`, e.data.by, e.data.reason);
        return;
      case 'ComplianceRecordRescreened':
        await update(
          `metadata = metadata || jsonb_build_object('lastScreening', jsonb_build_object('listVersion', $4::text, 'screenedAt', $6::text, 'newHits', $5::jsonb), 'openHits', coalesce(metadata->'openHits', '[]'::jsonb) || $5::jsonb)`,
          e.data.screening.listVersion,
          JSON.stringify(e.data.newHits),
          stored.recordedAt.toISOString(),
        );
        return;
      case 'ComplianceRecordPurged':
        await tx.execute(`DELETE FROM "ComplianceRecord" WHERE id = $1 AND "companyId" = $2`, id, companyId);
        return;
      case 'DataSubjectErased':
        // The row went with ComplianceRecordPurged; the key went in the same transaction.
        return;
      default: {
        const unknown: never = e;
        return unknown;
      }
    }
  },
};
