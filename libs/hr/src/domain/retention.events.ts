import type { DomainEvent } from '@maple/platform';

export type RetentionPolicy = { candidateYears: number; employeeYears: number };

export type PurgeCandidate = { subjectId: string; recordType: 'candidate' | 'employee'; lastActivityAt: string; rule: string };

/** A company's HR retention (stream hr-retention-<companyId>): its policy, and purges proposed and approved. */
export type RetentionEvent =
  | DomainEvent<'HrRetentionPolicySet', RetentionPolicy & { by: string }>
  | DomainEvent<'HrRetentionPurgeProposed', { proposalId: string; policy: RetentionPolicy; subjects: PurgeCandidate[] }>
  | DomainEvent<'HrRetentionPurgeApproved', { proposalId: string; by: string }>;

export const RETENTION_EVENT_TYPES: RetentionEvent['type'][] = ['HrRetentionPolicySet', 'HrRetentionPurgeProposed', 'HrRetentionPurgeApproved'];
