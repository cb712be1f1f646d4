import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database, PersonalData, isSealed } from '@maple/platform';
import type { CommandMeta, Tx } from '@maple/platform';
import { UserQueries } from '@maple/identity';
import { candidateDecider } from '../domain/candidate.decider';
import type { CandidateCommand } from '../domain/candidate.decider';
import type { CandidateStatus } from '../domain/candidate.events';
import { employeeDecider } from '../domain/employee.decider';
import type { EmployeeCommand } from '../domain/employee.decider';
import { HrError } from '../domain/hr.errors';
import { sealedName } from '../domain/hr-fields';
import type { HrField } from '../domain/hr-fields';
import { EMPLOYEE_FIELDS, validateData } from '../domain/record-data';
import { hrRecordStreamId } from '../projections/hr-record.projection';
import { getHrRecord } from '../queries/hr-records.query';
import type { HrRecordRow } from '../queries/hr-records.query';

const stream = (recordId: string, companyId: string) => ({ id: hrRecordStreamId(recordId), type: 'HRRecord', companyId });

// What a hire takes over from the candidate record: the person, not the application.
const CARRIED_OVER: HrField[] = ['fullName', 'email', 'phone'];

/** The thin shells of candidates and employees: check what the decider cannot see, run it. */
@Injectable()
export class HrRecords {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
    @Inject(PersonalData) private readonly personal: PersonalData,
    @Inject(UserQueries) private readonly users: UserQueries,
  ) {}

  async record(companyId: string, id: string, type?: HrRecordRow['type']): Promise<HrRecordRow> {
    const row = await this.db.transaction((tx) => getHrRecord(tx, companyId, id), { companyId });
    // Another company's id, or one of another type, is indistinguishable from a missing one.
    if (!row || (type && row.type !== type)) throw new HrError('HR.RECORD_NOT_FOUND', `No such ${type ?? 'HR'} record.`);
    return row;
  }

  private candidate(companyId: string, recordId: string, cmd: CandidateCommand) {
    return this.runner.run(candidateDecider, stream(recordId, companyId), cmd);
  }

  private employee(companyId: string, recordId: string, cmd: EmployeeCommand) {
    return this.runner.run(employeeDecider, stream(recordId, companyId), cmd);
  }

  /** A new candidate: a new data subject whose personal values the platform seals. */
  async apply(companyId: string, input: { data: unknown; consentUntil?: string | null }, meta: CommandMeta): Promise<string> {
    const recordId = randomUUID();
    await this.candidate(companyId, recordId, { type: 'ApplyCandidate', recordId, subjectId: randomUUID(), data: input.data, consentUntil: input.consentUntil ?? null, meta });
    return recordId;
  }

  async advance(companyId: string, recordId: string, to: CandidateStatus, notes: string | undefined, meta: CommandMeta): Promise<void> {
    await this.record(companyId, recordId, 'candidate');
    await this.candidate(companyId, recordId, { type: 'AdvanceCandidate', to, notes, meta });
  }

  async close(companyId: string, recordId: string, how: 'reject' | 'withdraw', decisionReason: string | undefined, meta: CommandMeta): Promise<void> {
    await this.record(companyId, recordId, 'candidate');
    await this.candidate(companyId, recordId, how === 'reject' ? { type: 'RejectCandidate', decisionReason, meta } : { type: 'WithdrawCandidate', decisionReason, meta });
  }

  async consent(companyId: string, recordId: string, until: string, meta: CommandMeta): Promise<void> {
    await this.record(companyId, recordId, 'candidate');
    await this.candidate(companyId, recordId, { type: 'GiveRetentionConsent', until, meta });
  }

  /**
   * Hiring: the candidate record is closed as hired and an employee record opens for the same
   * data subject, with the person's name and contact details taken over (decrypted here and
   * sealed again for the new record's event). Everything is validated before the first append.
   */
  async hire(companyId: string, candidateId: string, input: { data: Record<string, unknown>; userId?: string | null; managerRecordId?: string | null }, meta: CommandMeta): Promise<string> {
    const candidate = await this.record(companyId, candidateId, 'candidate');
    if (candidate.status !== 'offer') throw new HrError('HR.TRANSITION_NOT_ALLOWED', `Only a candidate with an offer is hired; this one is ${candidate.status}.`, { status: candidate.status });
    const carried = await this.db.transaction(async (tx) => {
      const out: Record<string, unknown> = {};
      for (const f of CARRIED_OVER) {
        const v = candidate.data[f];
        if (isSealed(v)) out[f] = await this.personal.reader.open(tx, companyId, v, { subjectId: candidate.subjectId, field: sealedName(f) });
      }
      return out;
    }, { companyId });
    const data = validateData(EMPLOYEE_FIELDS, { ...carried, ...input.data }, 'employees');
    await this.checkManager(companyId, input.managerRecordId ?? null);
    await this.checkUser(companyId, input.userId ?? null);
    const employeeId = randomUUID();
    await this.candidate(companyId, candidateId, { type: 'HireCandidate', employeeRecordId: employeeId, meta });
    await this.employee(companyId, employeeId, { type: 'HireEmployee', recordId: employeeId, subjectId: candidate.subjectId, candidateRecordId: candidateId, userId: input.userId ?? null, managerRecordId: input.managerRecordId ?? null, data, meta: { ...meta, commandId: `${meta.commandId}:employee` } });
    return employeeId;
  }

  /** An employee hired without a candidate record (a new data subject). */
  async hireDirect(companyId: string, input: { data: unknown; userId?: string | null; managerRecordId?: string | null }, meta: CommandMeta): Promise<string> {
    await this.checkManager(companyId, input.managerRecordId ?? null);
    await this.checkUser(companyId, input.userId ?? null);
    const recordId = randomUUID();
    await this.employee(companyId, recordId, { type: 'HireEmployee', recordId, subjectId: randomUUID(), candidateRecordId: null, userId: input.userId ?? null, managerRecordId: input.managerRecordId ?? null, data: input.data, meta });
    return recordId;
  }

  async change(companyId: string, recordId: string, effectiveDate: string, changes: Record<string, unknown>, meta: CommandMeta): Promise<void> {
    await this.record(companyId, recordId, 'employee');
    if (typeof changes.managerRecordId === 'string') {
      if (changes.managerRecordId === recordId) throw new HrError('HR.DATA_INVALID', 'An employee is not their own manager.', { field: 'changes.managerRecordId' });
      await this.checkManager(companyId, changes.managerRecordId);
    }
    await this.employee(companyId, recordId, { type: 'ChangeEmployee', changeId: randomUUID(), effectiveDate, changes, meta });
  }

  async startLeave(companyId: string, recordId: string, input: { startDate: string; endDate?: string | null; leaveType: string; leaveReason?: string }, meta: CommandMeta): Promise<void> {
    await this.record(companyId, recordId, 'employee');
    const leave = { leaveType: input.leaveType, ...(input.leaveReason ? { leaveReason: input.leaveReason } : {}) };
    await this.employee(companyId, recordId, { type: 'StartLeave', leaveId: randomUUID(), startDate: input.startDate, endDate: input.endDate ?? null, leave, meta });
  }

  async endLeave(companyId: string, recordId: string, returnDate: string, meta: CommandMeta): Promise<void> {
    await this.record(companyId, recordId, 'employee');
    await this.employee(companyId, recordId, { type: 'EndLeave', returnDate, meta });
  }

  async terminate(companyId: string, recordId: string, input: { effectiveDate: string; terminationType: string; terminationReason?: string }, meta: CommandMeta): Promise<void> {
    await this.record(companyId, recordId, 'employee');
    const termination = { terminationType: input.terminationType, ...(input.terminationReason ? { terminationReason: input.terminationReason } : {}) };
    await this.employee(companyId, recordId, { type: 'TerminateEmployee', effectiveDate: input.effectiveDate, termination, meta });
  }

  /** AI insights on a candidate or employee, naming the model version that produced them; sealed with the person's key. */
  async recordAiInsights(companyId: string, recordId: string, modelVersion: string, aiInsights: Record<string, unknown>, meta: CommandMeta): Promise<void> {
    const row = await this.record(companyId, recordId);
    if (row.type === 'candidate') await this.candidate(companyId, recordId, { type: 'RecordCandidateAiInsights', modelVersion, aiInsights, meta });
    else if (row.type === 'employee') await this.employee(companyId, recordId, { type: 'RecordEmployeeAiInsights', modelVersion, aiInsights, meta });
    else throw new HrError('HR.TRANSITION_NOT_ALLOWED', 'AI insights are recorded on candidates and employees.');
  }

  // The account an employee record is linked to reads it as SELF: it must be one of the company's users.
  private async checkUser(companyId: string, userId: string | null): Promise<void> {
    if (!userId) return;
    const ok = await this.users.get({ companyId }, userId).then(
      () => true,
      () => false,
    );
    if (!ok) throw new HrError('HR.DATA_INVALID', 'userId must name a user of the company.', { field: 'userId' });
  }

  private async checkManager(companyId: string, managerRecordId: string | null): Promise<void> {
    if (!managerRecordId) return;
    const ok = await this.db.transaction((tx: Tx) => getHrRecord(tx, companyId, managerRecordId), { companyId });
    if (!ok || ok.type !== 'employee' || ok.status === 'terminated') throw new HrError('HR.DATA_INVALID', 'managerRecordId must name a current employee of the company.', { field: 'managerRecordId' });
  }
}
