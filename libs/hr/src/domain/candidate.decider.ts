import type { Command, Decider } from '@maple/platform';
import type { CandidateEvent, CandidateStatus } from './candidate.events';
import { HrError } from './hr.errors';
import { CANDIDATE_FIELDS, validateData, validateDate } from './record-data';

export type CandidateState = { exists: boolean; subjectId: string | null; status: CandidateStatus; consentUntil: string | null; employeeRecordId: string | null };

export type CandidateCommand =
  | (Command<'ApplyCandidate'> & { recordId: string; subjectId: string; data: unknown; consentUntil?: string | null })
  | (Command<'AdvanceCandidate'> & { to: CandidateStatus; notes?: string })
  | (Command<'RejectCandidate'> & { decisionReason?: string })
  | (Command<'WithdrawCandidate'> & { decisionReason?: string })
  | (Command<'HireCandidate'> & { employeeRecordId: string })
  | (Command<'GiveRetentionConsent'> & { until: string })
  | (Command<'RecordCandidateAiInsights'> & { modelVersion: string; aiInsights: Record<string, unknown> });

export const initialCandidate: CandidateState = { exists: false, subjectId: null, status: 'applied', consentUntil: null, employeeRecordId: null };

// The pipeline moves one step at a time; rejection and withdrawal end it from any open stage.
const NEXT: Partial<Record<CandidateStatus, CandidateStatus>> = { applied: 'screening', screening: 'interview', interview: 'offer' };
const FINAL: CandidateStatus[] = ['hired', 'rejected', 'withdrawn'];

function open(s: CandidateState): void {
  if (FINAL.includes(s.status)) throw new HrError('HR.TRANSITION_NOT_ALLOWED', `The candidate is ${s.status}, which is final.`, { status: s.status });
}

const actor = (cmd: { meta: { actorId: string | null } }) => cmd.meta.actorId ?? 'system';

function decide(cmd: CandidateCommand, s: CandidateState): CandidateEvent[] {
  if (cmd.type !== 'ApplyCandidate' && !s.exists) throw new HrError('HR.RECORD_NOT_FOUND', 'No such candidate.');
  const subjectId = s.subjectId ?? '';
  switch (cmd.type) {
    case 'ApplyCandidate': {
      if (s.exists) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'The candidate exists already.');
      const data = validateData(CANDIDATE_FIELDS, cmd.data, 'candidates');
      const consentUntil = cmd.consentUntil ? validateDate(cmd.consentUntil, 'consentUntil') : null;
      return [{ type: 'CandidateApplied', data: { recordId: cmd.recordId, subjectId: cmd.subjectId, data, consentUntil, createdBy: actor(cmd) } }];
    }
    case 'AdvanceCandidate': {
      open(s);
      if (NEXT[s.status] !== cmd.to) throw new HrError('HR.TRANSITION_NOT_ALLOWED', `A candidate moves from ${s.status} to ${NEXT[s.status] ?? 'nothing further'}, not to ${cmd.to}.`, { status: s.status });
      return [{ type: 'CandidateAdvanced', data: { subjectId, from: s.status, to: cmd.to, by: actor(cmd), ...(cmd.notes ? { notes: cmd.notes } : {}) } }];
    }
    case 'RejectCandidate':
      open(s);
      return [{ type: 'CandidateRejected', data: { subjectId, by: actor(cmd), ...(cmd.decisionReason ? { decisionReason: cmd.decisionReason } : {}) } }];
    case 'WithdrawCandidate':
      open(s);
      return [{ type: 'CandidateWithdrew', data: { subjectId, by: actor(cmd), ...(cmd.decisionReason ? { decisionReason: cmd.decisionReason } : {}) } }];
    case 'HireCandidate':
      if (s.status !== 'offer') throw new HrError('HR.TRANSITION_NOT_ALLOWED', `Only a candidate with an offer is hired; this one is ${s.status}.`, { status: s.status });
      return [{ type: 'CandidateHired', data: { by: actor(cmd), employeeRecordId: cmd.employeeRecordId } }];
    case 'GiveRetentionConsent':
      return [{ type: 'CandidateRetentionConsentGiven', data: { until: validateDate(cmd.until, 'until'), by: actor(cmd) } }];
    case 'RecordCandidateAiInsights':
      return [{ type: 'HrAiInsightsRecorded', data: { subjectId, modelVersion: cmd.modelVersion, aiInsights: cmd.aiInsights, recordedBy: actor(cmd) } }];
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

function evolve(s: CandidateState, e: CandidateEvent): CandidateState {
  switch (e.type) {
    case 'CandidateApplied':
      return { ...s, exists: true, subjectId: e.data.subjectId, status: 'applied', consentUntil: e.data.consentUntil };
    case 'CandidateAdvanced':
      return { ...s, status: e.data.to };
    case 'CandidateRejected':
      return { ...s, status: 'rejected' };
    case 'CandidateWithdrew':
      return { ...s, status: 'withdrawn' };
    case 'CandidateHired':
      return { ...s, status: 'hired', employeeRecordId: e.data.employeeRecordId };
    case 'CandidateRetentionConsentGiven':
      return { ...s, consentUntil: e.data.until };
    case 'HrAiInsightsRecorded':
      return s;
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const candidateDecider: Decider<CandidateCommand, CandidateEvent, CandidateState> = { initialState: initialCandidate, decide, evolve };
