import type { Command, Decider, Role } from '@maple/platform';
import { HrError } from './hr.errors';
import type { SubjectEvent } from './subject.events';

export type SubjectState = {
  erased: boolean;
  openRequest: { requestId: string; by: string } | null;
  holds: string[];
};

export type SubjectCommand =
  | (Command<'RequestErasure'> & { subjectId: string; requestId: string; actorRole: Role; erasureReason?: string })
  | (Command<'ApproveErasure'> & { subjectId: string; actorRole: Role })
  | (Command<'RejectErasure'> & { actorRole: Role })
  // A retention purge an HR manager approved: no request of its own, still stopped by a hold.
  | (Command<'EraseForRetention'> & { subjectId: string; proposalId: string; approvedBy: string })
  | (Command<'PlaceLegalHold'> & { holdId: string; matter: string })
  | (Command<'ReleaseLegalHold'> & { holdId: string });

export const initialSubject: SubjectState = { erased: false, openRequest: null, holds: [] };

function notErased(s: SubjectState): void {
  if (s.erased) throw new HrError('HR.SUBJECT_ERASED', "This person's personal data was erased already.");
}

function noHold(s: SubjectState): void {
  if (s.holds.length) throw new HrError('HR.LEGAL_HOLD', 'A legal hold keeps this person\'s data; it cannot be erased until the hold is released.', { holds: s.holds });
}

function decide(cmd: SubjectCommand, s: SubjectState): SubjectEvent[] {
  const by = cmd.meta.actorId ?? 'system';
  switch (cmd.type) {
    case 'RequestErasure':
      // Erasure: an HR manager asks, an administrator approves (two people).
      if (cmd.actorRole !== 'HR_MANAGER') throw new HrError('HR.ROLE_NOT_ALLOWED', 'Erasure is requested by an HR manager.');
      notErased(s);
      noHold(s);
      if (s.openRequest) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'An erasure request is open already.', { requestId: s.openRequest.requestId });
      return [{ type: 'DataSubjectErasureRequested', data: { subjectId: cmd.subjectId, requestId: cmd.requestId, by, ...(cmd.erasureReason ? { erasureReason: cmd.erasureReason } : {}) } }];
    case 'ApproveErasure': {
      if (cmd.actorRole !== 'ADMIN') throw new HrError('HR.ROLE_NOT_ALLOWED', 'Erasure is approved by an administrator.');
      notErased(s);
      if (!s.openRequest) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'There is no erasure request to approve.');
      if (s.openRequest.by === by) throw new HrError('HR.SECOND_APPROVAL_REQUIRED', 'Whoever requested an erasure does not approve it.');
      noHold(s);
      const { requestId, by: requestedBy } = s.openRequest;
      return [
        { type: 'DataSubjectErasureApproved', data: { requestId, by } },
        { type: 'DataSubjectErased', data: { subjectId: cmd.subjectId, reason: 'request', requestedBy, approvedBy: by } },
      ];
    }
    case 'RejectErasure':
      if (cmd.actorRole !== 'ADMIN') throw new HrError('HR.ROLE_NOT_ALLOWED', 'An erasure request is decided by an administrator.');
      if (!s.openRequest) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'There is no erasure request to reject.');
      return [{ type: 'DataSubjectErasureRejected', data: { requestId: s.openRequest.requestId, by } }];
    case 'EraseForRetention':
      notErased(s);
      noHold(s);
      return [{ type: 'DataSubjectErased', data: { subjectId: cmd.subjectId, reason: `retention:${cmd.proposalId}`, requestedBy: null, approvedBy: cmd.approvedBy } }];
    case 'PlaceLegalHold':
      notErased(s);
      return [{ type: 'DataSubjectLegalHoldPlaced', data: { holdId: cmd.holdId, matter: cmd.matter, by } }];
    case 'ReleaseLegalHold':
      if (!s.holds.includes(cmd.holdId)) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'No such legal hold on this person.');
      return [{ type: 'DataSubjectLegalHoldReleased', data: { holdId: cmd.holdId, by } }];
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

function evolve(s: SubjectState, e: SubjectEvent): SubjectState {
  switch (e.type) {
    case 'DataSubjectErasureRequested':
      return { ...s, openRequest: { requestId: e.data.requestId, by: e.data.by } };
    case 'DataSubjectErasureRejected':
    case 'DataSubjectErasureApproved':
      return { ...s, openRequest: null };
    case 'DataSubjectErased':
      return { ...s, erased: true, openRequest: null };
    case 'DataSubjectLegalHoldPlaced':
      return { ...s, holds: [...s.holds, e.data.holdId] };
    case 'DataSubjectLegalHoldReleased':
      return { ...s, holds: s.holds.filter((h) => h !== e.data.holdId) };
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const subjectDecider: Decider<SubjectCommand, SubjectEvent, SubjectState> = { initialState: initialSubject, decide, evolve };
