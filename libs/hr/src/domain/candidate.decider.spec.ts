import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { candidateDecider as d } from './candidate.decider';
import type { CandidateCommand } from './candidate.decider';
import type { CandidateEvent } from './candidate.events';

const meta: CommandMeta = { commandId: 'c', now: new Date('2026-03-01T00:00:00Z'), actorId: 'hr-1', companyId: 'co', correlationId: 'r' };
const data = { fullName: 'Ada Lovelace', email: 'ada@example.test', appliedFor: 'Analyst' };
const applied: CandidateEvent = { type: 'CandidateApplied', data: { recordId: 'r1', subjectId: 's1', data, consentUntil: null, createdBy: 'hr-1' } };
const advanced = (from: 'applied' | 'screening' | 'interview', to: 'screening' | 'interview' | 'offer'): CandidateEvent => ({ type: 'CandidateAdvanced', data: { subjectId: 's1', from, to, by: 'hr-1' } });
const offer = [applied, advanced('applied', 'screening'), advanced('screening', 'interview'), advanced('interview', 'offer')];
// Distributes over the union, so each command keeps its own fields.
type WithoutMeta<T> = T extends unknown ? Omit<T, 'meta'> : never;
const cmd = (c: WithoutMeta<CandidateCommand>) => ({ ...c, meta }) as CandidateCommand;

describe('candidate decider', () => {
  it('records a candidate with validated data; unknown and malformed fields are refused', () => {
    given(d).when(cmd({ type: 'ApplyCandidate', recordId: 'r1', subjectId: 's1', data })).then([applied]);
    given(d).when(cmd({ type: 'ApplyCandidate', recordId: 'r1', subjectId: 's1', data: { ...data, favouriteColour: 'red' } })).thenThrows('HR.DATA_INVALID');
    given(d).when(cmd({ type: 'ApplyCandidate', recordId: 'r1', subjectId: 's1', data: { ...data, email: 'not-an-email' } })).thenThrows('HR.DATA_INVALID');
    given(d).when(cmd({ type: 'ApplyCandidate', recordId: 'r1', subjectId: 's1', data: { ...data, fullName: 'mpl1.1.x.hr/fullName.-.AAAA' } })).thenThrows('HR.DATA_INVALID');
  });

  it('moves one stage at a time, and hires only with an offer', () => {
    given(d, [applied]).when(cmd({ type: 'AdvanceCandidate', to: 'screening', notes: 'good cv' })).then([{ type: 'CandidateAdvanced', data: { subjectId: 's1', from: 'applied', to: 'screening', by: 'hr-1', notes: 'good cv' } }]);
    given(d, [applied]).when(cmd({ type: 'AdvanceCandidate', to: 'offer' })).thenThrows('HR.TRANSITION_NOT_ALLOWED');
    given(d, [applied]).when(cmd({ type: 'HireCandidate', employeeRecordId: 'e1' })).thenThrows('HR.TRANSITION_NOT_ALLOWED');
    given(d, offer).when(cmd({ type: 'HireCandidate', employeeRecordId: 'e1' })).then([{ type: 'CandidateHired', data: { by: 'hr-1', employeeRecordId: 'e1' } }]);
  });

  it('treats hired, rejected and withdrawn as final', () => {
    const hired: CandidateEvent = { type: 'CandidateHired', data: { by: 'hr-1', employeeRecordId: 'e1' } };
    given(d, [...offer, hired]).when(cmd({ type: 'RejectCandidate' })).thenThrows('HR.TRANSITION_NOT_ALLOWED');
    given(d, [applied, { type: 'CandidateWithdrew', data: { subjectId: 's1', by: 'hr-1' } }]).when(cmd({ type: 'AdvanceCandidate', to: 'screening' })).thenThrows('HR.TRANSITION_NOT_ALLOWED');
    given(d).when(cmd({ type: 'RejectCandidate' })).thenThrows('HR.RECORD_NOT_FOUND');
  });
});
