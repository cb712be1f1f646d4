import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database, DomainError } from '@maple/platform';
import type { CommandMeta, Role } from '@maple/platform';
import { DEFAULT_RETENTION, retentionDecider } from '../domain/retention.decider';
import type { RetentionCommand } from '../domain/retention.decider';
import type { RetentionPolicy } from '../domain/retention.events';
import { dueSubjects } from '../domain/retention-rules';
import type { RetentionFacts } from '../domain/retention-rules';
import { HrError } from '../domain/hr.errors';
import { retentionStreamId } from '../projections/hr-subject.projection';
import { HrSubjects } from './subjects.commands';

export type PurgeProposal = { proposalId: string; status: string; policy: RetentionPolicy; subjects: unknown[]; proposedAt: string; approvedBy: string | null; approvedAt: string | null };
export type PurgeReport = { proposalId: string; erased: string[]; skipped: { subjectId: string; reason: string }[] };

/**
 * HR retention: a job proposes the purges that are due (per company, by its policy), an HR
 * manager approves a proposal, and each of its people is then erased (crypto-shredding), unless
 * a legal hold keeps them.
 */
@Injectable()
export class HrRetention {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
    @Inject(HrSubjects) private readonly subjects: HrSubjects,
  ) {}

  private run(companyId: string, cmd: RetentionCommand) {
    return this.runner.run(retentionDecider, { id: retentionStreamId(companyId), type: 'HrRetention', companyId }, cmd);
  }

  async policy(companyId: string): Promise<RetentionPolicy> {
    const [p] = await this.db.transaction((tx) => tx.query<RetentionPolicy>(`SELECT candidate_years AS "candidateYears", employee_years AS "employeeYears" FROM hr_retention_policies WHERE company_id = $1`, companyId), { companyId });
    return p ?? DEFAULT_RETENTION;
  }

  async setPolicy(companyId: string, policy: RetentionPolicy, planAllows: boolean, meta: CommandMeta): Promise<RetentionPolicy> {
    await this.run(companyId, { type: 'SetRetentionPolicy', ...policy, planAllows, meta });
    return this.policy(companyId);
  }

  /** The job: in every company, proposes the people whose retention ended by `meta.now` (held or erased ones excluded). */
  async proposeDue(meta: CommandMeta, companyIds?: string[]): Promise<{ companyId: string; proposalId: string; subjects: number }[]> {
    const facts = await this.db.transaction(
      (tx) =>
        tx.query<RetentionFacts & { companyId: string }>(
          `SELECT r."companyId", r."subjectId", r.type, r.status, r."updatedAt" AS "lastActivityAt", r.state->>'consentUntil' AS "consentUntil", r.state->>'terminatedOn' AS "terminatedOn"
             FROM "HRRecord" r
             LEFT JOIN hr_subjects s ON s.company_id = r."companyId" AND s.subject_id = r."subjectId"
            WHERE r.type IN ('candidate', 'employee') AND r."subjectId" IS NOT NULL
              AND ($1::text[] IS NULL OR r."companyId" = ANY($1::text[]))
              AND s.erased_at IS NULL AND coalesce(jsonb_array_length(s.holds), 0) = 0`,
          companyIds ?? null,
        ),
      { allCompanies: true },
    );
    const byCompany = new Map<string, RetentionFacts[]>();
    for (const f of facts) byCompany.set(f.companyId, [...(byCompany.get(f.companyId) ?? []), { ...f, lastActivityAt: new Date(f.lastActivityAt) }]);
    const out: { companyId: string; proposalId: string; subjects: number }[] = [];
    for (const [companyId, rs] of byCompany) {
      const due = dueSubjects(rs, await this.policy(companyId), meta.now);
      if (!due.length) continue;
      const proposalId = randomUUID();
      const r = await this.run(companyId, { type: 'ProposePurge', proposalId, subjects: due, meta: { ...meta, companyId } });
      if (r.events.length) out.push({ companyId, proposalId, subjects: (r.events[0].data as { subjects: unknown[] }).subjects.length });
    }
    return out;
  }

  async proposals(companyId: string): Promise<PurgeProposal[]> {
    return this.db.transaction(
      (tx) =>
        tx.query<PurgeProposal>(
          `SELECT proposal_id AS "proposalId", status, policy, subjects, proposed_at AS "proposedAt", approved_by AS "approvedBy", approved_at AS "approvedAt"
             FROM hr_retention_proposals WHERE company_id = $1 ORDER BY proposed_at DESC, proposal_id`,
          companyId,
        ),
      { companyId },
    );
  }

  /** An HR manager approves: each person in the proposal is erased, except those a legal hold now keeps. */
  async approve(companyId: string, proposalId: string, actorRole: Role, meta: CommandMeta): Promise<PurgeReport> {
    const proposal = (await this.proposals(companyId)).find((p) => p.proposalId === proposalId);
    if (!proposal) throw new HrError('HR.RECORD_NOT_FOUND', 'No such purge proposal.');
    await this.run(companyId, { type: 'ApprovePurge', proposalId, actorRole, meta });
    const report: PurgeReport = { proposalId, erased: [], skipped: [] };
    for (const s of proposal.subjects as { subjectId: string }[]) {
      try {
        await this.subjects.run(companyId, s.subjectId, { type: 'EraseForRetention', subjectId: s.subjectId, proposalId, approvedBy: meta.actorId ?? 'system', meta: { ...meta, commandId: `${meta.commandId}:${s.subjectId}` } });
        report.erased.push(s.subjectId);
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        report.skipped.push({ subjectId: s.subjectId, reason: `${e.code}: ${e.message}` });
      }
    }
    return report;
  }
}
