import type { Command, Decider } from '@maple/platform';
import type { EmployeeChanges, EmployeeEvent, EmployeeStatus } from './employee.events';
import { HrError } from './hr.errors';
import { EMPLOYEE_CHANGE_FIELDS, EMPLOYEE_FIELDS, LEAVE_FIELDS, TERMINATION_FIELDS, validateData, validateDate } from './record-data';

export type EmployeeState = {
  exists: boolean;
  subjectId: string | null;
  status: EmployeeStatus;
  startDate: string | null;
  openLeaveId: string | null;
  terminatedOn: string | null;
};

export type EmployeeCommand =
  | (Command<'HireEmployee'> & { recordId: string; subjectId: string; candidateRecordId: string | null; userId: string | null; managerRecordId: string | null; data: unknown })
  | (Command<'ChangeEmployee'> & { changeId: string; effectiveDate: string; changes: unknown })
  | (Command<'StartLeave'> & { leaveId: string; startDate: string; endDate?: string | null; leave: unknown })
  | (Command<'EndLeave'> & { returnDate: string })
  | (Command<'TerminateEmployee'> & { effectiveDate: string; termination: unknown })
  | (Command<'RecordEmployeeAiInsights'> & { modelVersion: string; aiInsights: Record<string, unknown> });

export const initialEmployee: EmployeeState = { exists: false, subjectId: null, status: 'active', startDate: null, openLeaveId: null, terminatedOn: null };

const actor = (cmd: { meta: { actorId: string | null } }) => cmd.meta.actorId ?? 'system';

function employed(s: EmployeeState): void {
  if (s.status === 'terminated') throw new HrError('HR.TRANSITION_NOT_ALLOWED', `The employee was terminated on ${s.terminatedOn}; a terminated employment is final.`, { status: s.status });
}

function decide(cmd: EmployeeCommand, s: EmployeeState): EmployeeEvent[] {
  if (cmd.type !== 'HireEmployee' && !s.exists) throw new HrError('HR.RECORD_NOT_FOUND', 'No such employee.');
  const subjectId = s.subjectId ?? '';
  switch (cmd.type) {
    case 'HireEmployee': {
      if (s.exists) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'The employee exists already.');
      const data = validateData(EMPLOYEE_FIELDS, cmd.data, 'employees');
      if (cmd.managerRecordId === cmd.recordId) throw new HrError('HR.DATA_INVALID', 'An employee is not their own manager.', { field: 'managerRecordId' });
      return [
        {
          type: 'EmployeeHired',
          data: { recordId: cmd.recordId, subjectId: cmd.subjectId, candidateRecordId: cmd.candidateRecordId, userId: cmd.userId, managerRecordId: cmd.managerRecordId, data, createdBy: actor(cmd) },
        },
      ];
    }
    case 'ChangeEmployee': {
      employed(s);
      const effectiveDate = validateDate(cmd.effectiveDate, 'effectiveDate');
      const changes = validateData(EMPLOYEE_CHANGE_FIELDS, cmd.changes, 'employee changes', { atLeastOne: true }) as EmployeeChanges;
      // Nobody's change takes effect before they started.
      if (s.startDate && effectiveDate < s.startDate) throw new HrError('HR.DATA_INVALID', `effectiveDate is before the start date ${s.startDate}.`, { field: 'effectiveDate' });
      return [{ type: 'EmployeeChanged', data: { subjectId, changeId: cmd.changeId, effectiveDate, changes, by: actor(cmd) } }];
    }
    case 'StartLeave': {
      employed(s);
      if (s.openLeaveId) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'The employee is on leave already.');
      const leave = validateData(LEAVE_FIELDS, cmd.leave, 'leave') as { leaveType: string; leaveReason?: string };
      const startDate = validateDate(cmd.startDate, 'startDate');
      const endDate = cmd.endDate ? validateDate(cmd.endDate, 'endDate') : null;
      if (endDate && endDate < startDate) throw new HrError('HR.DATA_INVALID', 'endDate is before startDate.', { field: 'endDate' });
      return [{ type: 'EmployeeLeaveStarted', data: { subjectId, leaveId: cmd.leaveId, startDate, endDate, leaveType: leave.leaveType, ...(leave.leaveReason ? { leaveReason: leave.leaveReason } : {}), by: actor(cmd) } }];
    }
    case 'EndLeave':
      if (!s.openLeaveId) throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'The employee is not on leave.');
      return [{ type: 'EmployeeLeaveEnded', data: { leaveId: s.openLeaveId, returnDate: validateDate(cmd.returnDate, 'returnDate'), by: actor(cmd) } }];
    case 'TerminateEmployee': {
      employed(s);
      const t = validateData(TERMINATION_FIELDS, cmd.termination, 'terminations') as { terminationType: string; terminationReason?: string };
      const effectiveDate = validateDate(cmd.effectiveDate, 'effectiveDate');
      return [{ type: 'EmployeeTerminated', data: { subjectId, effectiveDate, terminationType: t.terminationType, ...(t.terminationReason ? { terminationReason: t.terminationReason } : {}), by: actor(cmd) } }];
    }
    case 'RecordEmployeeAiInsights':
      return [{ type: 'HrAiInsightsRecorded', data: { subjectId, modelVersion: cmd.modelVersion, aiInsights: cmd.aiInsights, recordedBy: actor(cmd) } }];
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

function evolve(s: EmployeeState, e: EmployeeEvent): EmployeeState {
  switch (e.type) {
    case 'EmployeeHired':
      // data.startDate is internal (never sealed), so the state can hold it.
      return { ...s, exists: true, subjectId: e.data.subjectId, status: 'active', startDate: String(e.data.data.startDate ?? '') || null };
    case 'EmployeeLeaveStarted':
      return { ...s, status: 'on-leave', openLeaveId: e.data.leaveId };
    case 'EmployeeLeaveEnded':
      return { ...s, status: 'active', openLeaveId: null };
    case 'EmployeeTerminated':
      return { ...s, status: 'terminated', openLeaveId: null, terminatedOn: e.data.effectiveDate };
    case 'EmployeeChanged':
    case 'HrAiInsightsRecorded':
      return s;
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const employeeDecider: Decider<EmployeeCommand, EmployeeEvent, EmployeeState> = { initialState: initialEmployee, decide, evolve };
