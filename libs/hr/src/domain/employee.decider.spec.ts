import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { employeeDecider as d } from './employee.decider';
import type { EmployeeCommand } from './employee.decider';
import type { EmployeeEvent } from './employee.events';

const meta: CommandMeta = { commandId: 'c', now: new Date('2026-03-01T00:00:00Z'), actorId: 'hr-1', companyId: 'co', correlationId: 'r' };
const data = { fullName: 'Grace Hopper', email: 'grace@example.test', position: 'Engineer', department: 'Platform', employmentType: 'full-time', salary: '91000.00', currency: 'EUR', startDate: '2026-01-05' };
const hired: EmployeeEvent = { type: 'EmployeeHired', data: { recordId: 'e1', subjectId: 's1', candidateRecordId: null, userId: 'u1', managerRecordId: null, data, createdBy: 'hr-1' } };
// Distributes over the union, so each command keeps its own fields.
type WithoutMeta<T> = T extends unknown ? Omit<T, 'meta'> : never;
const cmd = (c: WithoutMeta<EmployeeCommand>) => ({ ...c, meta }) as EmployeeCommand;

describe('employee decider', () => {
  it('hires with validated data (salary is decimal text, never a float)', () => {
    given(d).when(cmd({ type: 'HireEmployee', recordId: 'e1', subjectId: 's1', candidateRecordId: null, userId: 'u1', managerRecordId: null, data })).then([hired]);
    given(d).when(cmd({ type: 'HireEmployee', recordId: 'e1', subjectId: 's1', candidateRecordId: null, userId: null, managerRecordId: null, data: { ...data, salary: 91000.5 } })).thenThrows('HR.DATA_INVALID');
    given(d).when(cmd({ type: 'HireEmployee', recordId: 'e1', subjectId: 's1', candidateRecordId: null, userId: null, managerRecordId: 'e1', data })).thenThrows('HR.DATA_INVALID');
  });

  it('changes position, department, manager or salary from an effective date, never before the start', () => {
    given(d, [hired]).when(cmd({ type: 'ChangeEmployee', changeId: 'c1', effectiveDate: '2027-01-01', changes: { salary: '95000.00' } })).then([
      { type: 'EmployeeChanged', data: { subjectId: 's1', changeId: 'c1', effectiveDate: '2027-01-01', changes: { salary: '95000.00' }, by: 'hr-1' } },
    ]);
    given(d, [hired]).when(cmd({ type: 'ChangeEmployee', changeId: 'c1', effectiveDate: '2025-12-31', changes: { position: 'Lead' } })).thenThrows('HR.DATA_INVALID');
    given(d, [hired]).when(cmd({ type: 'ChangeEmployee', changeId: 'c1', effectiveDate: '2027-01-01', changes: {} })).thenThrows('HR.DATA_INVALID');
    given(d, [hired]).when(cmd({ type: 'ChangeEmployee', changeId: 'c1', effectiveDate: '2027-01-01', changes: { fullName: 'x' } })).thenThrows('HR.DATA_INVALID');
  });

  it('goes on leave and back, and ends with termination (final)', () => {
    const leave: EmployeeEvent = { type: 'EmployeeLeaveStarted', data: { subjectId: 's1', leaveId: 'l1', startDate: '2026-05-01', endDate: null, leaveType: 'sick', leaveReason: 'flu', by: 'hr-1' } };
    given(d, [hired]).when(cmd({ type: 'StartLeave', leaveId: 'l1', startDate: '2026-05-01', leave: { leaveType: 'sick', leaveReason: 'flu' } })).then([leave]);
    given(d, [hired, leave]).when(cmd({ type: 'StartLeave', leaveId: 'l2', startDate: '2026-05-02', leave: { leaveType: 'sick' } })).thenThrows('HR.TRANSITION_NOT_ALLOWED');
    expect(given(d, [hired, leave]).when(cmd({ type: 'EndLeave', returnDate: '2026-05-10' })).state().status).toBe('active');
    const terminated: EmployeeEvent = { type: 'EmployeeTerminated', data: { subjectId: 's1', effectiveDate: '2026-12-31', terminationType: 'resignation', by: 'hr-1' } };
    given(d, [hired]).when(cmd({ type: 'TerminateEmployee', effectiveDate: '2026-12-31', termination: { terminationType: 'resignation' } })).then([terminated]);
    given(d, [hired, terminated]).when(cmd({ type: 'ChangeEmployee', changeId: 'c', effectiveDate: '2027-01-01', changes: { salary: '1.00' } })).thenThrows('HR.TRANSITION_NOT_ALLOWED');
  });
});
