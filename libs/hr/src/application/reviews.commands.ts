import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database } from '@maple/platform';
import type { CommandMeta, Role } from '@maple/platform';
import { reviewDecider } from '../domain/review.decider';
import type { ReviewCommand } from '../domain/review.decider';
import { hrRecordStreamId } from '../projections/hr-record.projection';
import { relationsOf } from '../queries/hr-records.query';
import { today } from '../queries/hr-view';
import { HrRecords } from './hr-records.commands';

/** Performance reviews: drafted by the employee's manager or HR, submitted, rated four-eyes, acknowledged. */
@Injectable()
export class HrReviews {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
    @Inject(HrRecords) private readonly records: HrRecords,
  ) {}

  private run(companyId: string, recordId: string, cmd: ReviewCommand) {
    return this.runner.run(reviewDecider, { id: hrRecordStreamId(recordId), type: 'HRRecord', companyId }, cmd);
  }

  async draft(companyId: string, input: { employeeRecordId: string; data: unknown }, actorRole: Role, meta: CommandMeta): Promise<string> {
    const employee = await this.records.record(companyId, input.employeeRecordId, 'employee');
    const [rel] = await this.db.transaction((tx) => relationsOf(tx, companyId, meta.actorId ?? '', [employee.subjectId], today()), { companyId });
    const recordId = randomUUID();
    await this.run(companyId, recordId, {
      type: 'DraftReview',
      recordId,
      subjectId: employee.subjectId,
      employeeRecordId: employee.id,
      revieweeUserId: employee.userId,
      reviewerIsManager: Boolean(rel?.manager),
      actorRole,
      data: input.data,
      meta,
    });
    return recordId;
  }

  async submit(companyId: string, recordId: string, rating: unknown, meta: CommandMeta): Promise<void> {
    await this.records.record(companyId, recordId, 'performance');
    await this.run(companyId, recordId, { type: 'SubmitReview', rating, meta });
  }

  async approveRating(companyId: string, recordId: string, actorRole: Role, meta: CommandMeta): Promise<void> {
    await this.records.record(companyId, recordId, 'performance');
    await this.run(companyId, recordId, { type: 'ApproveRating', actorRole, meta });
  }

  async acknowledge(companyId: string, recordId: string, meta: CommandMeta): Promise<void> {
    await this.records.record(companyId, recordId, 'performance');
    await this.run(companyId, recordId, { type: 'AcknowledgeReview', meta });
  }
}
