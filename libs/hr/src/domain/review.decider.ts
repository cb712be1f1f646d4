import type { Command, Decider, Role } from '@maple/platform';
import { HrError } from './hr.errors';
import { RATING_FIELDS, REVIEW_FIELDS, validateData } from './record-data';
import type { ReviewEvent, ReviewStatus } from './review.events';

export type ReviewState = {
  exists: boolean;
  subjectId: string | null;
  status: ReviewStatus;
  reviewerId: string | null;
  revieweeUserId: string | null;
  approvals: string[];
  ratingFinal: boolean;
};

export type ReviewCommand =
  | (Command<'DraftReview'> & {
      recordId: string;
      subjectId: string;
      employeeRecordId: string;
      revieweeUserId: string | null;
      /** Whether the reviewer is the reviewee's current manager (looked up by the shell). */
      reviewerIsManager: boolean;
      actorRole: Role;
      data: unknown;
    })
  | (Command<'SubmitReview'> & { rating: unknown })
  | (Command<'ApproveRating'> & { actorRole: Role })
  | (Command<'AcknowledgeReview'>);

export const initialReview: ReviewState = { exists: false, subjectId: null, status: 'draft', reviewerId: null, revieweeUserId: null, approvals: [], ratingFinal: false };

const HR_ROLES: Role[] = ['HR_MANAGER', 'ADMIN'];

function decide(cmd: ReviewCommand, s: ReviewState): ReviewEvent[] {
  if (cmd.type !== 'DraftReview' && !s.exists) throw new HrError('HR.RECORD_NOT_FOUND', 'No such performance review.');
  const by = cmd.meta.actorId ?? '';
  switch (cmd.type) {
    case 'DraftReview': {
      if (s.exists) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'The review exists already.');
      // The reviewer is never the reviewee.
      if (cmd.revieweeUserId && by === cmd.revieweeUserId) throw new HrError('HR.SELF_REVIEW', 'Nobody reviews their own performance.');
      if (!cmd.reviewerIsManager && !HR_ROLES.includes(cmd.actorRole)) throw new HrError('HR.REVIEWER_NOT_ALLOWED', "A review is written by the employee's manager or by HR.");
      const data = validateData(REVIEW_FIELDS, cmd.data, 'performance reviews');
      return [{ type: 'PerformanceReviewDrafted', data: { recordId: cmd.recordId, subjectId: cmd.subjectId, employeeRecordId: cmd.employeeRecordId, reviewerId: by, revieweeUserId: cmd.revieweeUserId, data, createdBy: by } }];
    }
    case 'SubmitReview': {
      if (s.status !== 'draft') throw new HrError('HR.TRANSITION_NOT_ALLOWED', `The review is ${s.status}; only a draft is submitted.`, { status: s.status });
      if (by !== s.reviewerId) throw new HrError('HR.REVIEWER_NOT_ALLOWED', 'Only the reviewer submits the review.');
      const { rating } = validateData(RATING_FIELDS, { rating: cmd.rating }, 'performance reviews') as { rating: number };
      return [{ type: 'PerformanceReviewSubmitted', data: { subjectId: s.subjectId ?? '', by, rating } }];
    }
    case 'ApproveRating': {
      if (s.status !== 'submitted' || s.ratingFinal) throw new HrError('HR.TRANSITION_NOT_ALLOWED', s.ratingFinal ? 'The rating is final already.' : 'Only a submitted review has a rating to approve.', { status: s.status });
      // Four-eyes: two different HR managers, neither of them the reviewer or the reviewee.
      if (cmd.actorRole !== 'HR_MANAGER') throw new HrError('HR.ROLE_NOT_ALLOWED', 'Ratings are approved by HR managers.');
      if (by === s.reviewerId || by === s.revieweeUserId) throw new HrError('HR.SELF_REVIEW', 'The reviewer and the reviewee do not approve the rating.');
      if (s.approvals.includes(by)) throw new HrError('HR.SECOND_APPROVAL_REQUIRED', 'A second, different HR manager must make the rating final.');
      if (!s.approvals.length) return [{ type: 'PerformanceRatingApproved', data: { by } }];
      return [{ type: 'PerformanceRatingFinalized', data: { by, approvers: [...s.approvals, by] } }];
    }
    case 'AcknowledgeReview':
      if (!s.revieweeUserId || by !== s.revieweeUserId) throw new HrError('HR.REVIEWER_NOT_ALLOWED', 'Only the reviewee acknowledges their review.');
      if (s.status !== 'submitted' || !s.ratingFinal) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'A review is acknowledged once it is submitted and its rating is final.', { status: s.status });
      return [{ type: 'PerformanceReviewAcknowledged', data: { by } }];
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

function evolve(s: ReviewState, e: ReviewEvent): ReviewState {
  switch (e.type) {
    case 'PerformanceReviewDrafted':
      return { ...s, exists: true, subjectId: e.data.subjectId, status: 'draft', reviewerId: e.data.reviewerId, revieweeUserId: e.data.revieweeUserId };
    case 'PerformanceReviewSubmitted':
      return { ...s, status: 'submitted' };
    case 'PerformanceRatingApproved':
      return { ...s, approvals: [...s.approvals, e.data.by] };
    case 'PerformanceRatingFinalized':
      return { ...s, approvals: e.data.approvers, ratingFinal: true };
    case 'PerformanceReviewAcknowledged':
      return { ...s, status: 'acknowledged' };
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const reviewDecider: Decider<ReviewCommand, ReviewEvent, ReviewState> = { initialState: initialReview, decide, evolve };
