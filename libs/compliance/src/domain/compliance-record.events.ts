import type { DataSubjectErased, DomainEvent } from '@maple/platform';
import type { RiskAssessment } from './risk-model';

export type RecordStatus = 'pending' | 'approved' | 'rejected' | 'flagged';

/** What a screening decided with: enough for an auditor to reproduce it after the list changed. */
export type ScreeningEvidence = {
  listVersion: string;
  matcherVersion: string;
  /** The matcher's version in the AI registry (libs/ai). */
  matcherRegistryVersionId?: string;
  matcherConfig: Record<string, unknown>;
  threshold: number;
  hits: { entryId: string; name: string; matchedName: string; score: number; programs: string[]; breakdown?: unknown }[];
};

export type ComplianceRecordEvent =
  | DomainEvent<
      'ComplianceRecordCreated',
      { recordId: string; companyId: string; type: string; data: Record<string, unknown>; metadata: Record<string, unknown> | null; createdBy: string; risk: RiskAssessment; screening: ScreeningEvidence | null; correctsRecordId: string | null }
    >
  | DomainEvent<'ComplianceRecordFlagged', { by: string; reason: string; screening?: ScreeningEvidence }>
  | DomainEvent<'ComplianceRecordApprovalGranted', { by: string; reason: string; approvalsNeeded: number }>
  | DomainEvent<'ComplianceRecordApproved', { by: string; reason: string; approvers: string[] }>
  | DomainEvent<'ComplianceRecordRejected', { by: string; reason: string }>
  | DomainEvent<'ComplianceRecordRescreened', { screening: ScreeningEvidence; newHits: string[] }>
  // Retention: the read-model row goes; the events (the history an auditor replays) stay.
  | DomainEvent<'ComplianceRecordPurged', { reason: 'retention'; lastChangedAt: string; retentionYears: number; runId: string }>
  // With the purge, the record's data key is destroyed: its personal data in the events is gone too.
  | DataSubjectErased;

export const COMPLIANCE_RECORD_EVENT_TYPES: ComplianceRecordEvent['type'][] = [
  'ComplianceRecordCreated',
  'ComplianceRecordFlagged',
  'ComplianceRecordApprovalGranted',
  'ComplianceRecordApproved',
  'ComplianceRecordRejected',
  'ComplianceRecordRescreened',
  'ComplianceRecordPurged',
  'DataSubjectErased',
];
