import type { Command, Decider, Role } from '@maple/platform';
import { HrError } from './hr.errors';
import type { PurgeCandidate, RetentionEvent, RetentionPolicy } from './retention.events';

/** The defaults (README, HR retention): candidates 2 years after their last activity, employees 7 years after termination. */
export const DEFAULT_RETENTION: RetentionPolicy = { candidateYears: 2, employeeYears: 7 };

export type RetentionState = {
  policy: RetentionPolicy;
  /** Proposals not yet approved, and the subjects each would purge. */
  open: Record<string, string[]>;
  approved: string[];
};

export type RetentionCommand =
  | (Command<'SetRetentionPolicy'> & RetentionPolicy & { planAllows: boolean })
  | (Command<'ProposePurge'> & { proposalId: string; subjects: PurgeCandidate[] })
  | (Command<'ApprovePurge'> & { proposalId: string; actorRole: Role });

export const initialRetention: RetentionState = { policy: DEFAULT_RETENTION, open: {}, approved: [] };

function decide(cmd: RetentionCommand, s: RetentionState): RetentionEvent[] {
  const by = cmd.meta.actorId ?? 'system';
  switch (cmd.type) {
    case 'SetRetentionPolicy': {
      // Only ENTERPRISE plans may set their own periods (billing's retentionSettings entitlement).
      if (!cmd.planAllows) throw new HrError('HR.RETENTION_SETTINGS_NOT_IN_PLAN', 'Setting retention periods needs a plan with retention settings (ENTERPRISE).');
      for (const [field, years] of [['candidateYears', cmd.candidateYears], ['employeeYears', cmd.employeeYears]] as const) {
        if (!Number.isInteger(years) || years < 1 || years > 50) throw new HrError('HR.DATA_INVALID', `${field} must be a whole number of years from 1 to 50.`, { field });
      }
      return [{ type: 'HrRetentionPolicySet', data: { candidateYears: cmd.candidateYears, employeeYears: cmd.employeeYears, by } }];
    }
    case 'ProposePurge': {
      // A subject already in an open proposal is not proposed again.
      const pending = new Set(Object.values(s.open).flat());
      const fresh = cmd.subjects.filter((c) => !pending.has(c.subjectId));
      if (!fresh.length) return [];
      return [{ type: 'HrRetentionPurgeProposed', data: { proposalId: cmd.proposalId, policy: s.policy, subjects: fresh } }];
    }
    case 'ApprovePurge':
      if (cmd.actorRole !== 'HR_MANAGER') throw new HrError('HR.ROLE_NOT_ALLOWED', 'Retention purges are approved by an HR manager.');
      if (!s.open[cmd.proposalId]) throw new HrError(s.approved.includes(cmd.proposalId) ? 'HR.TRANSITION_NOT_ALLOWED' : 'HR.RECORD_NOT_FOUND', s.approved.includes(cmd.proposalId) ? 'The proposal was approved already.' : 'No such purge proposal.');
      return [{ type: 'HrRetentionPurgeApproved', data: { proposalId: cmd.proposalId, by } }];
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

function evolve(s: RetentionState, e: RetentionEvent): RetentionState {
  switch (e.type) {
    case 'HrRetentionPolicySet':
      return { ...s, policy: { candidateYears: e.data.candidateYears, employeeYears: e.data.employeeYears } };
    case 'HrRetentionPurgeProposed':
      return { ...s, open: { ...s.open, [e.data.proposalId]: e.data.subjects.map((c) => c.subjectId) } };
    case 'HrRetentionPurgeApproved': {
      const { [e.data.proposalId]: _done, ...open } = s.open;
      return { ...s, open, approved: [...s.approved, e.data.proposalId] };
    }
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const retentionDecider: Decider<RetentionCommand, RetentionEvent, RetentionState> = { initialState: initialRetention, decide, evolve };
