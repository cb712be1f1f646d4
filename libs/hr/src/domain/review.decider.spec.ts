import { given } from '@maple/platform';
import type { CommandMeta, Role } from '@maple/platform';
import { reviewDecider as d } from './review.decider';
import type { ReviewCommand } from './review.decider';
import type { ReviewEvent } from './review.events';

const meta = (actorId: string): CommandMeta => ({ commandId: 'c', now: new Date('2026-03-01T00:00:00Z'), actorId, companyId: 'co', correlationId: 'r' });
const data = { period: '2026-H2', reviewSummary: 'Solid year.' };
const draft = (actor: string, role: Role, isManager: boolean): ReviewCommand => ({ type: 'DraftReview', recordId: 'p1', subjectId: 's1', employeeRecordId: 'e1', revieweeUserId: 'emp', reviewerIsManager: isManager, actorRole: role, data, meta: meta(actor) });
const drafted: ReviewEvent = { type: 'PerformanceReviewDrafted', data: { recordId: 'p1', subjectId: 's1', employeeRecordId: 'e1', reviewerId: 'boss', revieweeUserId: 'emp', data, createdBy: 'boss' } };
const submitted: ReviewEvent = { type: 'PerformanceReviewSubmitted', data: { subjectId: 's1', by: 'boss', rating: 4 } };
const approve = (actor: string, role: Role = 'HR_MANAGER'): ReviewCommand => ({ type: 'ApproveRating', actorRole: role, meta: meta(actor) });

describe('performance review decider', () => {
  it('is written by the manager or HR, never by the reviewee', () => {
    given(d).when(draft('boss', 'USER', true)).then([drafted]);
    given(d).when(draft('emp', 'HR_MANAGER', false)).thenThrows('HR.SELF_REVIEW');
    given(d).when(draft('peer', 'USER', false)).thenThrows('HR.REVIEWER_NOT_ALLOWED');
  });

  it('is submitted by its reviewer with a rating from 1 to 5', () => {
    given(d, [drafted]).when({ type: 'SubmitReview', rating: 4, meta: meta('boss') }).then([submitted]);
    given(d, [drafted]).when({ type: 'SubmitReview', rating: 6, meta: meta('boss') }).thenThrows('HR.DATA_INVALID');
    given(d, [drafted]).when({ type: 'SubmitReview', rating: 4, meta: meta('hr-1') }).thenThrows('HR.REVIEWER_NOT_ALLOWED');
  });

  it('needs two different HR managers, neither reviewer nor reviewee, for the final rating (four-eyes)', () => {
    given(d, [drafted, submitted]).when(approve('hr-1')).then([{ type: 'PerformanceRatingApproved', data: { by: 'hr-1' } }]);
    const once: ReviewEvent = { type: 'PerformanceRatingApproved', data: { by: 'hr-1' } };
    given(d, [drafted, submitted, once]).when(approve('hr-1')).thenThrows('HR.SECOND_APPROVAL_REQUIRED');
    given(d, [drafted, submitted, once]).when(approve('admin', 'ADMIN')).thenThrows('HR.ROLE_NOT_ALLOWED');
    given(d, [drafted, submitted]).when(approve('boss')).thenThrows('HR.SELF_REVIEW');
    given(d, [drafted, submitted, once]).when(approve('hr-2')).then([{ type: 'PerformanceRatingFinalized', data: { by: 'hr-2', approvers: ['hr-1', 'hr-2'] } }]);
    given(d, [drafted]).when(approve('hr-1')).thenThrows('HR.TRANSITION_NOT_ALLOWED');
  });

  it('is acknowledged by the reviewee once the rating is final', () => {
    const final: ReviewEvent = { type: 'PerformanceRatingFinalized', data: { by: 'hr-2', approvers: ['hr-1', 'hr-2'] } };
    given(d, [drafted, submitted]).when({ type: 'AcknowledgeReview', meta: meta('emp') }).thenThrows('HR.TRANSITION_NOT_ALLOWED');
    given(d, [drafted, submitted, final]).when({ type: 'AcknowledgeReview', meta: meta('boss') }).thenThrows('HR.REVIEWER_NOT_ALLOWED');
    given(d, [drafted, submitted, final]).when({ type: 'AcknowledgeReview', meta: meta('emp') }).then([{ type: 'PerformanceReviewAcknowledged', data: { by: 'emp' } }]);
  });
});
