import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { retentionDecider as d } from './retention.decider';
import type { RetentionEvent } from './retention.events';
import { dueSubjects } from './retention-rules';

const meta: CommandMeta = { commandId: 'c', now: new Date('2030-03-01T00:00:00Z'), actorId: 'hr-1', companyId: 'co', correlationId: 'r' };
const policy = { candidateYears: 2, employeeYears: 7 };
const at = (iso: string) => new Date(iso);

describe('HR retention', () => {
  it('purges candidates 2 years after their last activity unless they consented to longer', () => {
    const now = at('2030-03-01T00:00:00Z');
    const facts = [
      { subjectId: 'old', type: 'candidate' as const, status: 'rejected', lastActivityAt: at('2028-01-01T00:00:00Z'), consentUntil: null, terminatedOn: null },
      { subjectId: 'recent', type: 'candidate' as const, status: 'applied', lastActivityAt: at('2029-01-01T00:00:00Z'), consentUntil: null, terminatedOn: null },
      { subjectId: 'consented', type: 'candidate' as const, status: 'rejected', lastActivityAt: at('2027-01-01T00:00:00Z'), consentUntil: '2031-01-01', terminatedOn: null },
    ];
    expect(dueSubjects(facts, policy, now).map((s) => s.subjectId)).toEqual(['old']);
  });

  it('purges employees N years after termination, and a hired candidacy only with its employment', () => {
    const now = at('2030-03-01T00:00:00Z');
    const person = (subjectId: string, terminatedOn: string | null) => [
      { subjectId, type: 'candidate' as const, status: 'hired', lastActivityAt: at('2015-01-01T00:00:00Z'), consentUntil: null, terminatedOn: null },
      { subjectId, type: 'employee' as const, status: terminatedOn ? 'terminated' : 'active', lastActivityAt: at('2020-01-01T00:00:00Z'), consentUntil: null, terminatedOn },
    ];
    const due = dueSubjects([...person('left-2021', '2021-06-30'), ...person('left-2025', '2025-06-30'), ...person('working', null)], policy, now);
    expect(due).toEqual([{ subjectId: 'left-2021', recordType: 'employee', lastActivityAt: '2020-01-01T00:00:00.000Z', rule: 'employee: 7 years after termination' }]);
  });

  it('lets only ENTERPRISE plans set their own periods, and only an HR manager approve a purge', () => {
    given(d).when({ type: 'SetRetentionPolicy', candidateYears: 3, employeeYears: 10, planAllows: false, meta }).thenThrows('HR.RETENTION_SETTINGS_NOT_IN_PLAN');
    given(d).when({ type: 'SetRetentionPolicy', candidateYears: 3, employeeYears: 10, planAllows: true, meta }).then([{ type: 'HrRetentionPolicySet', data: { candidateYears: 3, employeeYears: 10, by: 'hr-1' } }]);
    const proposed: RetentionEvent = { type: 'HrRetentionPurgeProposed', data: { proposalId: 'p1', policy, subjects: [{ subjectId: 's1', recordType: 'candidate', lastActivityAt: '2027-01-01T00:00:00.000Z', rule: 'x' }] } };
    given(d, [proposed]).when({ type: 'ApprovePurge', proposalId: 'p1', actorRole: 'ADMIN', meta }).thenThrows('HR.ROLE_NOT_ALLOWED');
    given(d, [proposed]).when({ type: 'ApprovePurge', proposalId: 'p1', actorRole: 'HR_MANAGER', meta }).then([{ type: 'HrRetentionPurgeApproved', data: { proposalId: 'p1', by: 'hr-1' } }]);
    // A person already in an open proposal is not proposed again.
    given(d, [proposed]).when({ type: 'ProposePurge', proposalId: 'p2', subjects: proposed.data.subjects, meta }).then([]);
  });
});
