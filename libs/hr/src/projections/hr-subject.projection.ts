import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { RetentionEvent } from '../domain/retention.events';
import { RETENTION_EVENT_TYPES } from '../domain/retention.events';
import type { SubjectEvent } from '../domain/subject.events';
import { SUBJECT_EVENT_TYPES } from '../domain/subject.events';

export const subjectStreamId = (subjectId: string) => `data-subject-${subjectId}`;
export const subjectIdOf = (streamId: string) => streamId.replace(/^data-subject-/, '');
export const retentionStreamId = (companyId: string) => `hr-retention-${companyId}`;

/**
 * hr_subjects (a person's erasure request, erasure and legal holds), hr_retention_policies and
 * hr_retention_proposals, inline. None of them holds personal data.
 */
export const hrSubjectProjection: Projection & { tables: readonly string[] } = {
  name: 'hr.subjects',
  handles: [...SUBJECT_EVENT_TYPES, ...RETENTION_EVENT_TYPES],
  tables: ['hr_subjects', 'hr_retention_policies', 'hr_retention_proposals'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    const e = { type: stored.type, data: stored.data } as SubjectEvent | RetentionEvent;
    const co = stored.companyId;
    const at = stored.recordedAt;
    const subject = async (set: string, ...params: unknown[]) => {
      const sid = subjectIdOf(stored.streamId);
      await tx.execute(`INSERT INTO hr_subjects (company_id, subject_id, updated_at) VALUES ($1, $2, $3) ON CONFLICT (company_id, subject_id) DO NOTHING`, co, sid, at);
      await tx.execute(`UPDATE hr_subjects s SET ${set}, updated_at = $3 WHERE company_id = $1 AND subject_id = $2`, co, sid, at, ...params);
    };
    switch (e.type) {
      case 'DataSubjectErasureRequested':
        await subject(`open_request = jsonb_build_object('requestId', $4::text, 'by', $5::text, 'at', $6::text)`, e.data.requestId, e.data.by, at.toISOString());
        return;
      case 'DataSubjectErasureRejected':
      case 'DataSubjectErasureApproved':
        await subject(`open_request = NULL`);
        return;
      case 'DataSubjectErased':
        // The same event type also ends compliance subjects: only data-subject streams are HR's.
        if (!stored.streamId.startsWith('data-subject-')) return;
        await subject(`erased_at = $3, open_request = NULL, erasure_reason = $4`, e.data.reason);
        return;
      case 'DataSubjectLegalHoldPlaced':
        await subject(`holds = s.holds || jsonb_build_array(jsonb_build_object('holdId', $4::text, 'matter', $5::text, 'by', $6::text, 'at', $7::text))`, e.data.holdId, e.data.matter, e.data.by, at.toISOString());
        return;
      case 'DataSubjectLegalHoldReleased':
        await subject(`holds = (SELECT coalesce(jsonb_agg(h), '[]'::jsonb) FROM jsonb_array_elements(s.holds) AS h WHERE h->>'holdId' <> $4)`, e.data.holdId);
        return;
      case 'HrRetentionPolicySet':
        await tx.execute(
          `INSERT INTO hr_retention_policies (company_id, candidate_years, employee_years, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (company_id) DO UPDATE SET candidate_years = excluded.candidate_years, employee_years = excluded.employee_years, set_by = excluded.set_by, set_at = excluded.set_at`,
          co,
          e.data.candidateYears,
          e.data.employeeYears,
          e.data.by,
          at,
        );
        return;
      case 'HrRetentionPurgeProposed':
        await tx.execute(
          `INSERT INTO hr_retention_proposals (company_id, proposal_id, status, policy, subjects, proposed_at) VALUES ($1, $2, 'proposed', $3::jsonb, $4::jsonb, $5)
           ON CONFLICT (company_id, proposal_id) DO NOTHING`,
          co,
          e.data.proposalId,
          JSON.stringify(e.data.policy),
          JSON.stringify(e.data.subjects),
          at,
        );
        return;
      case 'HrRetentionPurgeApproved':
        await tx.execute(`UPDATE hr_retention_proposals SET status = 'approved', approved_by = $3, approved_at = $4 WHERE company_id = $1 AND proposal_id = $2`, co, e.data.proposalId, e.data.by, at);
        return;
      default: {
        const unknown: never = e;
        return unknown;
      }
    }
  },
};
