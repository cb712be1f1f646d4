import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database, isSubjectId } from '@maple/platform';
import type { CommandMeta, Role } from '@maple/platform';
import { HrError } from '../domain/hr.errors';
import { subjectDecider } from '../domain/subject.decider';
import type { SubjectCommand, SubjectState } from '../domain/subject.decider';
import { subjectStreamId } from '../projections/hr-subject.projection';

/** A person's lifecycle as a data subject: erasure (HR manager asks, administrator approves) and legal holds. */
@Injectable()
export class HrSubjects {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
  ) {}

  /** 404 unless the company holds HR records about this person. */
  async assertKnown(companyId: string, subjectId: string): Promise<void> {
    const [row] = isSubjectId(subjectId)
      ? await this.db.transaction((tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM "HRRecord" WHERE "companyId" = $1 AND "subjectId" = $2`, companyId, subjectId), { companyId })
      : [{ n: 0 }];
    if (!row.n) throw new HrError('HR.SUBJECT_NOT_FOUND', 'No such person in this company\'s HR records.');
  }

  run(companyId: string, subjectId: string, cmd: SubjectCommand): Promise<{ state: SubjectState }> {
    return this.runner.run(subjectDecider, { id: subjectStreamId(subjectId), type: 'DataSubject', companyId }, cmd);
  }

  async requestErasure(companyId: string, subjectId: string, actorRole: Role, erasureReason: string | undefined, meta: CommandMeta): Promise<string> {
    await this.assertKnown(companyId, subjectId);
    const requestId = randomUUID();
    await this.run(companyId, subjectId, { type: 'RequestErasure', subjectId, requestId, actorRole, erasureReason, meta });
    return requestId;
  }

  /** Approval erases at once: the key is destroyed and the read models scrubbed in the same transaction. */
  async approveErasure(companyId: string, subjectId: string, actorRole: Role, meta: CommandMeta): Promise<void> {
    await this.assertKnown(companyId, subjectId);
    await this.run(companyId, subjectId, { type: 'ApproveErasure', subjectId, actorRole, meta });
  }

  async rejectErasure(companyId: string, subjectId: string, actorRole: Role, meta: CommandMeta): Promise<void> {
    await this.assertKnown(companyId, subjectId);
    await this.run(companyId, subjectId, { type: 'RejectErasure', actorRole, meta });
  }

  async placeHold(companyId: string, subjectId: string, matter: string, meta: CommandMeta): Promise<string> {
    await this.assertKnown(companyId, subjectId);
    const holdId = randomUUID();
    await this.run(companyId, subjectId, { type: 'PlaceLegalHold', holdId, matter, meta });
    return holdId;
  }

  async releaseHold(companyId: string, subjectId: string, holdId: string, meta: CommandMeta): Promise<void> {
    await this.assertKnown(companyId, subjectId);
    await this.run(companyId, subjectId, { type: 'ReleaseLegalHold', holdId, meta });
  }

  async subject(companyId: string, subjectId: string): Promise<{ subjectId: string; erasedAt: string | null; openRequest: unknown; holds: unknown[] }> {
    await this.assertKnown(companyId, subjectId);
    const [row] = await this.db.transaction(
      (tx) =>
        tx.query<{ erased_at: Date | null; open_request: unknown; holds: unknown[] }>(`SELECT erased_at, open_request, holds FROM hr_subjects WHERE company_id = $1 AND subject_id = $2`, companyId, subjectId),
      { companyId },
    );
    return { subjectId, erasedAt: row?.erased_at ? new Date(row.erased_at).toISOString() : null, openRequest: row?.open_request ?? null, holds: row?.holds ?? [] };
  }
}
