import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { CandidateEvent } from '../domain/candidate.events';
import { CANDIDATE_EVENT_TYPES } from '../domain/candidate.events';
import type { EmployeeEvent } from '../domain/employee.events';
import { EMPLOYEE_EVENT_TYPES } from '../domain/employee.events';
import type { ReviewEvent } from '../domain/review.events';
import { REVIEW_EVENT_TYPES } from '../domain/review.events';

export const hrRecordStreamId = (recordId: string) => `hr-record-${recordId}`;
export const hrRecordIdOf = (streamId: string) => streamId.replace(/^hr-record-/, '');

type HrRecordEvent = CandidateEvent | EmployeeEvent | ReviewEvent | { type: 'DataSubjectErased'; data: { subjectId: string } };

// Every sealed string in a flat JSON object replaced by the erased marker (the key is gone, so
// the ciphertext is noise; scrubbing the read model is the "read tables show nothing").
const SCRUB = (col: string) =>
  `(SELECT coalesce(jsonb_object_agg(x.k, CASE WHEN jsonb_typeof(x.v) = 'string' AND left(x.v #>> '{}', 5) = 'mpl1.' THEN '"[erased]"'::jsonb ELSE x.v END), '{}'::jsonb) FROM jsonb_each(${col}) AS x(k, v))`;

/**
 * HRRecord rows (candidates, employees, performance reviews) and the effective-dated employee
 * changes, inline: HR reads a record right after changing it. Personal values arrive sealed and
 * are written as they are; reads decrypt. DataSubjectErased scrubs the subject's rows.
 */
export const hrRecordProjection: Projection & { tables: readonly string[] } = {
  name: 'hr.records',
  handles: [...new Set([...CANDIDATE_EVENT_TYPES, ...EMPLOYEE_EVENT_TYPES, ...REVIEW_EVENT_TYPES, 'DataSubjectErased'])],
  tables: ['HRRecord', 'hr_employee_changes'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    const e = { type: stored.type, data: stored.data } as HrRecordEvent;
    const id = hrRecordIdOf(stored.streamId);
    const co = stored.companyId;
    const at = stored.recordedAt;
    const update = (set: string, ...params: unknown[]) => tx.execute(`UPDATE "HRRecord" SET ${set}, "updatedAt" = $3 WHERE id = $1 AND "companyId" = $2`, id, co, at, ...params);
    const insert = (type: string, status: string, d: { subjectId: string; data: Record<string, unknown>; createdBy: string }, userId: string | null, state: Record<string, unknown>) =>
      tx.execute(
        `INSERT INTO "HRRecord" (id, type, status, data, "companyId", "createdBy", "createdAt", "updatedAt", "subjectId", "userId", state)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $7, $8, $9, $10::jsonb) ON CONFLICT (id) DO NOTHING`,
        id,
        type,
        status,
        JSON.stringify(d.data),
        co,
        d.createdBy,
        at,
        d.subjectId,
        userId,
        JSON.stringify(state),
      );
    switch (e.type) {
      case 'CandidateApplied':
        return void (await insert('candidate', 'applied', e.data, null, { consentUntil: e.data.consentUntil }));
      case 'CandidateAdvanced':
        return void (await update(`status = $4, data = data || jsonb_strip_nulls(jsonb_build_object('notes', $5::jsonb))`, e.data.to, JSON.stringify(e.data.notes ?? null)));
      case 'CandidateRejected':
      case 'CandidateWithdrew':
        return void (await update(`status = $4, data = data || jsonb_strip_nulls(jsonb_build_object('decisionReason', $5::jsonb))`, e.type === 'CandidateRejected' ? 'rejected' : 'withdrawn', JSON.stringify(e.data.decisionReason ?? null)));
      case 'CandidateHired':
        return void (await update(`status = 'hired', state = state || jsonb_build_object('employeeRecordId', $4::text)`, e.data.employeeRecordId));
      case 'CandidateRetentionConsentGiven':
        return void (await update(`state = state || jsonb_build_object('consentUntil', $4::text)`, e.data.until));
      case 'HrAiInsightsRecorded':
        return void (await update(`"aiInsights" = jsonb_build_object('modelVersion', $4::text, 'insights', $5::jsonb, 'recordedAt', $6::text, 'recordedBy', $7::text)`, e.data.modelVersion, JSON.stringify(e.data.aiInsights), at.toISOString(), e.data.recordedBy));
      case 'EmployeeHired':
        return void (await insert('employee', 'active', e.data, e.data.userId, { managerRecordId: e.data.managerRecordId, candidateRecordId: e.data.candidateRecordId }));
      case 'EmployeeChanged':
        await tx.execute(
          `INSERT INTO hr_employee_changes (company_id, record_id, change_id, field, value, effective_date, position)
           SELECT $1, $2, $3, c.key, c.value, $4::date, $5::bigint FROM jsonb_each($6::jsonb) AS c ON CONFLICT DO NOTHING`,
          co,
          id,
          e.data.changeId,
          e.data.effectiveDate,
          stored.position,
          JSON.stringify(e.data.changes),
        );
        return void (await update(`data = data`));
      case 'EmployeeLeaveStarted':
        return void (await update(
          `status = 'on-leave', state = state || jsonb_build_object('leave', jsonb_build_object('leaveId', $4::text, 'leaveType', $5::text, 'startDate', $6::text, 'endDate', $7::text)), data = data || jsonb_build_object('leaveType', $5::text) || jsonb_strip_nulls(jsonb_build_object('leaveReason', $8::jsonb))`,
          e.data.leaveId,
          e.data.leaveType,
          e.data.startDate,
          e.data.endDate,
          JSON.stringify(e.data.leaveReason ?? null),
        ));
      case 'EmployeeLeaveEnded':
        return void (await update(`status = 'active', state = (state - 'leave') || jsonb_build_object('lastReturn', $4::text)`, e.data.returnDate));
      case 'EmployeeTerminated':
        return void (await update(
          `status = 'terminated', state = state || jsonb_build_object('terminatedOn', $4::text), data = data || jsonb_build_object('terminationType', $5::text) || jsonb_strip_nulls(jsonb_build_object('terminationReason', $6::jsonb))`,
          e.data.effectiveDate,
          e.data.terminationType,
          JSON.stringify(e.data.terminationReason ?? null),
        ));
      case 'PerformanceReviewDrafted':
        return void (await insert('performance', 'draft', e.data, e.data.revieweeUserId, { employeeRecordId: e.data.employeeRecordId, reviewerId: e.data.reviewerId, approvals: [], ratingStatus: 'none' }));
      case 'PerformanceReviewSubmitted':
        return void (await update(`status = 'submitted', data = data || jsonb_build_object('rating', $4::jsonb), state = state || '{"ratingStatus":"proposed"}'::jsonb`, JSON.stringify(e.data.rating)));
      case 'PerformanceRatingApproved':
        return void (await update(`state = jsonb_set(state, '{approvals}', coalesce(state->'approvals', '[]'::jsonb) || to_jsonb($4::text))`, e.data.by));
      case 'PerformanceRatingFinalized':
        return void (await update(`state = state || jsonb_build_object('approvals', $4::jsonb, 'ratingStatus', 'final')`, JSON.stringify(e.data.approvers)));
      case 'PerformanceReviewAcknowledged':
        return void (await update(`status = 'acknowledged', state = state || jsonb_build_object('acknowledgedAt', $4::text)`, at.toISOString()));
      case 'DataSubjectErased': {
        const subjectId = e.data.subjectId;
        await tx.execute(
          `UPDATE hr_employee_changes c SET value = '"[erased]"'::jsonb
            WHERE c.company_id = $1 AND jsonb_typeof(c.value) = 'string' AND left(c.value #>> '{}', 5) = 'mpl1.'
              AND c.record_id IN (SELECT id FROM "HRRecord" WHERE "companyId" = $1 AND "subjectId" = $2)`,
          co,
          subjectId,
        );
        await tx.execute(
          `UPDATE "HRRecord" SET data = ${SCRUB('data')},
                  "aiInsights" = CASE WHEN "aiInsights" IS NULL THEN NULL ELSE "aiInsights" || '{"insights":"[erased]"}'::jsonb END,
                  state = coalesce(state, '{}'::jsonb) || '{"erased":true}'::jsonb, "updatedAt" = $3
            WHERE "companyId" = $1 AND "subjectId" = $2`,
          co,
          subjectId,
          at,
        );
        return;
      }
      default: {
        const unknown: never = e;
        return unknown;
      }
    }
  },
};
