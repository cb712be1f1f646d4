import { given } from '@maple/platform';
import type { CommandMeta, Role } from '@maple/platform';
import { subjectDecider as d } from './subject.decider';
import type { SubjectCommand } from './subject.decider';
import type { SubjectEvent } from './subject.events';

const meta = (actorId: string): CommandMeta => ({ commandId: 'c', now: new Date('2026-03-01T00:00:00Z'), actorId, companyId: 'co', correlationId: 'r' });
const request = (actor: string, role: Role): SubjectCommand => ({ type: 'RequestErasure', subjectId: 's1', requestId: 'q1', actorRole: role, meta: meta(actor) });
const approve = (actor: string, role: Role): SubjectCommand => ({ type: 'ApproveErasure', subjectId: 's1', actorRole: role, meta: meta(actor) });
const requested: SubjectEvent = { type: 'DataSubjectErasureRequested', data: { subjectId: 's1', requestId: 'q1', by: 'hr-1' } };
const held: SubjectEvent = { type: 'DataSubjectLegalHoldPlaced', data: { holdId: 'h1', matter: 'LIT-1', by: 'hr-1' } };

describe('data subject decider (erasure and legal hold)', () => {
  it('is requested by an HR manager and approved by a different administrator, erasing with no personal data', () => {
    given(d).when(request('hr-1', 'HR_MANAGER')).then([requested]);
    given(d).when(request('adm', 'ADMIN')).thenThrows('HR.ROLE_NOT_ALLOWED');
    given(d, [requested]).when(approve('hr-2', 'HR_MANAGER')).thenThrows('HR.ROLE_NOT_ALLOWED');
    given(d).when(approve('adm', 'ADMIN')).thenThrows('HR.TRANSITION_NOT_ALLOWED');
    given(d, [requested]).when(approve('adm', 'ADMIN')).then([
      { type: 'DataSubjectErasureApproved', data: { requestId: 'q1', by: 'adm' } },
      { type: 'DataSubjectErased', data: { subjectId: 's1', reason: 'request', requestedBy: 'hr-1', approvedBy: 'adm' } },
    ]);
  });

  it('is blocked by a legal hold, and happens only once', () => {
    given(d, [held]).when(request('hr-1', 'HR_MANAGER')).thenThrows('HR.LEGAL_HOLD');
    given(d, [requested, held]).when(approve('adm', 'ADMIN')).thenThrows('HR.LEGAL_HOLD');
    given(d, [held]).when({ type: 'EraseForRetention', subjectId: 's1', proposalId: 'p', approvedBy: 'hr-1', meta: meta('hr-1') }).thenThrows('HR.LEGAL_HOLD');
    const released: SubjectEvent = { type: 'DataSubjectLegalHoldReleased', data: { holdId: 'h1', by: 'hr-1' } };
    given(d, [held, released]).when(request('hr-1', 'HR_MANAGER')).then([requested]);
    const erased: SubjectEvent = { type: 'DataSubjectErased', data: { subjectId: 's1', reason: 'request', requestedBy: 'hr-1', approvedBy: 'adm' } };
    given(d, [erased]).when(request('hr-1', 'HR_MANAGER')).thenThrows('HR.SUBJECT_ERASED');
  });
});
