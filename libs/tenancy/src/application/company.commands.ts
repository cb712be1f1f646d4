import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner } from '@maple/platform';
import type { CommandMeta, Principal } from '@maple/platform';
import { companyDecider } from '../domain/company.decider';
import type { CompanyCommand, CompanyState } from '../domain/company.decider';
import type { CompanyProfile } from '../domain/company.events';
import { crossCompanyAccessUsed, platformAccessStreamId } from '../domain/platform-access';
import { companyStreamId } from '../projections/company.projection';

type Without<C> = C extends unknown ? Omit<C, 'meta'> : never;

/** Thin shells around the company decider. Authorisation happened at the edge (permissions). */
@Injectable()
export class CompanyCommands {
  constructor(@Inject(CommandRunner) private readonly runner: CommandRunner) {}

  private async run(companyId: string, command: Without<CompanyCommand>, meta: CommandMeta): Promise<CompanyState> {
    // The company's events belong to the company itself, so its users can read its history.
    const r = await this.runner.run(companyDecider, { id: companyStreamId(companyId), type: 'Company', companyId }, { ...command, meta: { ...meta, companyId } } as CompanyCommand);
    return r.state;
  }

  async create(profile: CompanyProfile, meta: CommandMeta, companyId: string = randomUUID()): Promise<{ id: string }> {
    await this.run(companyId, { type: 'CreateCompany', companyId, profile }, meta);
    return { id: companyId };
  }

  update(companyId: string, changes: Partial<CompanyProfile>, meta: CommandMeta) {
    return this.run(companyId, { type: 'UpdateCompany', changes }, meta);
  }

  deactivate(companyId: string, reason: string | null, meta: CommandMeta) {
    return this.run(companyId, { type: 'DeactivateCompany', reason }, meta);
  }

  reactivate(companyId: string, meta: CommandMeta) {
    return this.run(companyId, { type: 'ReactivateCompany' }, meta);
  }

  /**
   * Records a platform administrator's cross-company read, in the chain of the company read (the
   * platform chain for a read across all companies). Called once the read succeeded and before
   * its answer leaves: a failed read records nothing, and a failed record withholds the answer.
   */
  async recordCrossCompanyAccess(who: Principal, purpose: string, companyId: string | null, meta: CommandMeta): Promise<void> {
    await this.runner.append({ id: platformAccessStreamId(who.userId, companyId), type: 'PlatformAccess', companyId }, [crossCompanyAccessUsed(who.userId, purpose, companyId)], { ...meta, companyId });
  }
}
