import type { DomainEvent } from '@maple/platform';
import type { AiInsightsRecorded } from './ai-insights.events';

export type EmployeeStatus = 'active' | 'on-leave' | 'terminated';

export type EmployeeChanges = { position?: string; department?: string; managerRecordId?: string; salary?: string };

export type EmployeeEvent =
  | DomainEvent<
      'EmployeeHired',
      { recordId: string; subjectId: string; candidateRecordId: string | null; userId: string | null; managerRecordId: string | null; data: Record<string, unknown>; createdBy: string }
    >
  // Position, department, manager or salary from an effective date (which may lie ahead).
  | DomainEvent<'EmployeeChanged', { subjectId: string; changeId: string; effectiveDate: string; changes: EmployeeChanges; by: string }>
  | DomainEvent<'EmployeeLeaveStarted', { subjectId: string; leaveId: string; startDate: string; endDate: string | null; leaveType: string; leaveReason?: string; by: string }>
  | DomainEvent<'EmployeeLeaveEnded', { leaveId: string; returnDate: string; by: string }>
  | DomainEvent<'EmployeeTerminated', { subjectId: string; effectiveDate: string; terminationType: string; terminationReason?: string; by: string }>
  | AiInsightsRecorded;

export const EMPLOYEE_EVENT_TYPES: EmployeeEvent['type'][] = ['EmployeeHired', 'EmployeeChanged', 'EmployeeLeaveStarted', 'EmployeeLeaveEnded', 'EmployeeTerminated', 'HrAiInsightsRecorded'];
