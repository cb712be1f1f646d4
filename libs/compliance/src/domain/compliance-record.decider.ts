import type { Command, Decider } from '@maple/platform';
import { ComplianceError } from './compliance.errors';
import type { ComplianceRecordEvent, RecordStatus, ScreeningEvidence } from './compliance-record.events';
import { validateClientMetadata, validateRecordData } from './record-data';
import type { RiskAssessment } from './risk-model';

export type ReviewerRole = 'ADMIN' | 'USER' | 'COMPLIANCE_OFFICER' | 'HR_MANAGER' | 'ANALYST' | 'VIEWER';

export type RecordState = {
  exists: boolean;
  status: RecordStatus;
  createdBy: string | null;
  riskScore: number | null;
  approvals: string[];
  /** Entries a reviewer cleared, per list entry id: not flagged again on re-screening. */
  clearedEntries: string[];
  knownHits: string[];
  /** The list version the subject was last screened on. */
  listVersion: string | null;
  purged: boolean;
};

export type ComplianceRecordCommand =
  | (Command<'CreateComplianceRecord'> & {
      recordId: string;
      companyId: string;
      recordType: string;
      data: unknown;
      metadata?: Record<string, unknown> | null;
      correctsRecordId?: string | null;
      /** Whether correctsRecordId names an existing record of the same company (read by the shell). */
      correctedRecordExists?: boolean;
      risk: RiskAssessment;
      screening: ScreeningEvidence | null;
    })
  | (Command<'ApproveComplianceRecord'> & { reason: string; actorRole: ReviewerRole; highRiskThreshold: number })
  | (Command<'RejectComplianceRecord'> & { reason: string; actorRole: ReviewerRole })
  | (Command<'FlagComplianceRecord'> & { reason: string; actorRole: ReviewerRole })
  | (Command<'RescreenComplianceRecord'> & { screening: ScreeningEvidence })
  // lastChangedAt: when the record's last event was recorded (read from the event store).
  | (Command<'PurgeComplianceRecord'> & { recordId: string; lastChangedAt: Date; retentionYears: number; runId: string });

export const initialRecord: RecordState = { exists: false, status: 'pending', createdBy: null, riskScore: null, approvals: [], clearedEntries: [], knownHits: [], listVersion: null, purged: false };

const REVIEWERS: ReviewerRole[] = ['COMPLIANCE_OFFICER', 'ADMIN'];
const TERMINAL: RecordStatus[] = ['approved', 'rejected'];

function assertReviewer(cmd: { meta: { actorId: string | null }; actorRole: ReviewerRole }, s: RecordState): string {
  const by = cmd.meta.actorId ?? '';
  if (!REVIEWERS.includes(cmd.actorRole)) throw new ComplianceError('COMPLIANCE.REVIEWER_NOT_ALLOWED', 'Only compliance officers and admins review compliance records.');
  // Four-eyes: whoever created a record never reviews it.
  if (by === s.createdBy) throw new ComplianceError('COMPLIANCE.SELF_REVIEW', 'The creator of a record cannot review it.');
  if (TERMINAL.includes(s.status)) {
    throw new ComplianceError('COMPLIANCE.TRANSITION_NOT_ALLOWED', `The record is ${s.status}, which is final; create a correcting record instead.`, { status: s.status });
  }
  return by;
}

function decide(cmd: ComplianceRecordCommand, s: RecordState): ComplianceRecordEvent[] {
  if (cmd.type !== 'CreateComplianceRecord' && (!s.exists || s.purged)) throw new ComplianceError('COMPLIANCE.RECORD_NOT_FOUND', 'No such compliance record.');
  switch (cmd.type) {
    case 'CreateComplianceRecord': {
      if (s.exists) throw new ComplianceError('COMPLIANCE.RECORD_ALREADY_EXISTS', 'The record exists already.');
      const data = validateRecordData(cmd.recordType, cmd.data);
      validateClientMetadata(cmd.metadata);
      // A correction must point at a record the company has: a dangling reference would break
      // the trail an auditor follows from the correction to what it corrects.
      if (cmd.correctsRecordId && !cmd.correctedRecordExists) {
        throw new ComplianceError('COMPLIANCE.CORRECTED_RECORD_UNKNOWN', 'correctsRecordId names no compliance record of this company.', { field: 'correctsRecordId' });
      }
      const createdBy = cmd.meta.actorId ?? 'system';
      const events: ComplianceRecordEvent[] = [
        { type: 'ComplianceRecordCreated', data: { recordId: cmd.recordId, companyId: cmd.companyId, type: cmd.recordType, data, metadata: cmd.metadata ?? null, createdBy, risk: cmd.risk, screening: cmd.screening, correctsRecordId: cmd.correctsRecordId ?? null } },
      ];
      const hits = cmd.screening?.hits.filter((h) => h.score >= cmd.screening!.threshold) ?? [];
      if (hits.length) events.push({ type: 'ComplianceRecordFlagged', data: { by: 'system', reason: `sanctions screening: ${hits.length} hit(s) at or above ${cmd.screening!.threshold}` } });
      return events;
    }
    case 'ApproveComplianceRecord': {
      const by = assertReviewer(cmd, s);
      const highRisk = (s.riskScore ?? 0) >= cmd.highRiskThreshold;
      if (!highRisk) return [{ type: 'ComplianceRecordApproved', data: { by, reason: cmd.reason, approvers: [by] } }];
      // High risk: two approvals by two different compliance officers.
      if (cmd.actorRole !== 'COMPLIANCE_OFFICER') throw new ComplianceError('COMPLIANCE.REVIEWER_NOT_ALLOWED', 'High-risk records are approved by compliance officers only.');
      if (s.approvals.includes(by)) throw new ComplianceError('COMPLIANCE.SECOND_APPROVAL_REQUIRED_BY_OTHER_OFFICER', 'A second compliance officer must give the second approval.');
      if (s.approvals.length === 0) return [{ type: 'ComplianceRecordApprovalGranted', data: { by, reason: cmd.reason, approvalsNeeded: 2 } }];
      return [{ type: 'ComplianceRecordApproved', data: { by, reason: cmd.reason, approvers: [...s.approvals, by] } }];
    }
    case 'RejectComplianceRecord': {
      const by = assertReviewer(cmd, s);
      return [{ type: 'ComplianceRecordRejected', data: { by, reason: cmd.reason } }];
    }
    case 'FlagComplianceRecord': {
      const by = assertReviewer(cmd, s);
      if (s.status === 'flagged') throw new ComplianceError('COMPLIANCE.TRANSITION_NOT_ALLOWED', 'The record is flagged already.');
      return [{ type: 'ComplianceRecordFlagged', data: { by, reason: cmd.reason } }];
    }
    case 'RescreenComplianceRecord': {
      // Once per list version: running the sweep again decides nothing.
      if (s.status === 'rejected' || s.listVersion === cmd.screening.listVersion) return [];
      // Only hits that are new for this record and were not cleared by a reviewer count.
      const above = cmd.screening.hits.filter((h) => h.score >= cmd.screening.threshold).map((h) => h.entryId);
      const fresh = above.filter((id) => !s.knownHits.includes(id) && !s.clearedEntries.includes(id));
      const events: ComplianceRecordEvent[] = [{ type: 'ComplianceRecordRescreened', data: { screening: cmd.screening, newHits: fresh } }];
      // An approved record stays approved (final); its new hits are on record for a correction.
      if (fresh.length && s.status === 'pending') events.push({ type: 'ComplianceRecordFlagged', data: { by: 'system', reason: `re-screening on list ${cmd.screening.listVersion.slice(0, 12)}: new hit(s) ${fresh.join(', ')}`, screening: cmd.screening } });
      return events;
    }
    case 'PurgeComplianceRecord': {
      // Kept `retentionYears` from the last change; an open case is never purged, whatever its age.
      if (!TERMINAL.includes(s.status)) {
        throw new ComplianceError('COMPLIANCE.TRANSITION_NOT_ALLOWED', `The record is ${s.status}: only decided records are purged.`, { status: s.status });
      }
      const keepUntil = new Date(cmd.lastChangedAt);
      keepUntil.setUTCFullYear(keepUntil.getUTCFullYear() + cmd.retentionYears);
      if (keepUntil > cmd.meta.now) {
        throw new ComplianceError('COMPLIANCE.RETENTION_NOT_EXPIRED', `The record is kept until ${keepUntil.toISOString()} (${cmd.retentionYears} years from its last change).`, {
          keepUntil: keepUntil.toISOString(),
        });
      }
      return [
        { type: 'ComplianceRecordPurged', data: { reason: 'retention', lastChangedAt: cmd.lastChangedAt.toISOString(), retentionYears: cmd.retentionYears, runId: cmd.runId } },
        // The record is its own data subject: erasing it destroys its key (see compliance-privacy.ts).
        { type: 'DataSubjectErased', data: { subjectId: cmd.recordId, reason: `retention:${cmd.runId}`, requestedBy: null, approvedBy: cmd.meta.actorId } },
      ];
    }
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

function evolve(s: RecordState, e: ComplianceRecordEvent): RecordState {
  switch (e.type) {
    case 'ComplianceRecordCreated': {
      const hits = e.data.screening?.hits.filter((h) => h.score >= e.data.screening!.threshold).map((h) => h.entryId) ?? [];
      return { ...s, exists: true, status: 'pending', createdBy: e.data.createdBy, riskScore: e.data.risk.score, knownHits: hits, listVersion: e.data.screening?.listVersion ?? null };
    }
    case 'ComplianceRecordFlagged':
      return { ...s, status: 'flagged', approvals: [] };
    case 'ComplianceRecordApprovalGranted':
      return { ...s, approvals: [...s.approvals, e.data.by] };
    case 'ComplianceRecordApproved':
      // Approving a flagged record clears the hits it was flagged for.
      return { ...s, status: 'approved', approvals: e.data.approvers, clearedEntries: [...new Set([...s.clearedEntries, ...s.knownHits])] };
    case 'ComplianceRecordRejected':
      return { ...s, status: 'rejected' };
    case 'ComplianceRecordPurged':
    case 'DataSubjectErased':
      return { ...s, purged: true };
    case 'ComplianceRecordRescreened':
      return { ...s, knownHits: [...new Set([...s.knownHits, ...e.data.newHits])], listVersion: e.data.screening.listVersion };
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const complianceRecordDecider: Decider<ComplianceRecordCommand, ComplianceRecordEvent, RecordState> = { initialState: initialRecord, decide, evolve };
