import type { DomainEvent } from '@maple/platform';
import type { AiInsightsRecorded } from './ai-insights.events';

export type CandidateStatus = 'applied' | 'screening' | 'interview' | 'offer' | 'hired' | 'rejected' | 'withdrawn';

// Events that carry personal values name their subject, so the platform can seal them with
// the subject's key (hr-privacy.ts says which paths).
export type CandidateEvent =
  | DomainEvent<'CandidateApplied', { recordId: string; subjectId: string; data: Record<string, unknown>; consentUntil: string | null; createdBy: string }>
  | DomainEvent<'CandidateAdvanced', { subjectId: string; from: CandidateStatus; to: CandidateStatus; by: string; notes?: string }>
  | DomainEvent<'CandidateRejected', { subjectId: string; by: string; decisionReason?: string }>
  | DomainEvent<'CandidateWithdrew', { subjectId: string; by: string; decisionReason?: string }>
  | DomainEvent<'CandidateHired', { by: string; employeeRecordId: string }>
  | DomainEvent<'CandidateRetentionConsentGiven', { until: string; by: string }>
  | AiInsightsRecorded;

export const CANDIDATE_EVENT_TYPES: CandidateEvent['type'][] = ['CandidateApplied', 'CandidateAdvanced', 'CandidateRejected', 'CandidateWithdrew', 'CandidateHired', 'CandidateRetentionConsentGiven', 'HrAiInsightsRecorded'];
