import type { DomainEvent } from '@maple/platform';

export type ReviewStatus = 'draft' | 'submitted' | 'acknowledged';

export type ReviewEvent =
  | DomainEvent<
      'PerformanceReviewDrafted',
      { recordId: string; subjectId: string; employeeRecordId: string; reviewerId: string; revieweeUserId: string | null; data: Record<string, unknown>; createdBy: string }
    >
  | DomainEvent<'PerformanceReviewSubmitted', { subjectId: string; by: string; rating: number }>
  // Four-eyes on the final rating: two different HR managers, neither the reviewer nor the reviewee.
  | DomainEvent<'PerformanceRatingApproved', { by: string }>
  | DomainEvent<'PerformanceRatingFinalized', { by: string; approvers: string[] }>
  | DomainEvent<'PerformanceReviewAcknowledged', { by: string }>;

export const REVIEW_EVENT_TYPES: ReviewEvent['type'][] = ['PerformanceReviewDrafted', 'PerformanceReviewSubmitted', 'PerformanceRatingApproved', 'PerformanceRatingFinalized', 'PerformanceReviewAcknowledged'];
