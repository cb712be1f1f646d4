import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { AiError } from '../domain/ai.errors';
import { modelDecider } from '../domain/model.decider';
import type { ModelCommand } from '../domain/model.decider';
import { parseValidationReport, parseVersionSpec } from '../domain/model-spec';
import { acceptanceDecider } from '../domain/oversight.decider';
import { modelStreamId } from '../projections/registry.projection';
import { acceptanceStreamId } from '../projections/oversight.projection';

/** Who acts: a company (its own models) or the platform (global models, companyId null). */
export type Owner = { companyId: string | null };

type Body = Record<string, unknown>;

/** The registry's commands: thin shells around the model decider. */
@Injectable()
export class AiRegistry {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
  ) {}

  /** The model's owner, checked: a company acts on its own models, the platform on global ones. */
  async owned(owner: Owner, modelId: string): Promise<{ companyId: string | null }> {
    const scope = owner.companyId === null ? { allCompanies: true } : { companyId: owner.companyId };
    const [row] = await this.db.transaction((tx) => tx.query<{ company_id: string | null }>(`SELECT company_id FROM ai_models WHERE model_id = $1`, modelId), scope);
    if (!row || row.company_id !== owner.companyId) throw new AiError('AI.MODEL_NOT_FOUND', 'No such model.', { modelId });
    return { companyId: row.company_id };
  }

  private run(companyId: string | null, modelId: string, cmd: ModelCommand) {
    return this.runner.run(modelDecider, { id: modelStreamId(modelId), type: 'AiModel', companyId }, cmd);
  }

  private async act(owner: Owner, modelId: string, cmd: ModelCommand) {
    await this.owned(owner, modelId);
    return this.run(owner.companyId, modelId, cmd);
  }

  async registerModel(owner: Owner, body: Body, meta: CommandMeta): Promise<string> {
    const modelId = randomUUID();
    const name = typeof body.name === 'string' ? body.name : '';
    const cmd: ModelCommand = { type: 'RegisterModel', modelId, companyId: owner.companyId, name, modelType: String(body.type ?? ''), meta };
    const events = modelDecider.decide(cmd, modelDecider.initialState);
    // A name is unique per owner: racing registrations of one name are serialised, the second refused.
    await this.runner.within({ id: modelStreamId(modelId), type: 'AiModel', companyId: owner.companyId }, meta, async (tx, append) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, `ai-model-name/${owner.companyId ?? ''}/${name}`);
      const [taken] = await tx.query(`SELECT 1 FROM ai_models WHERE coalesce(company_id, '') = coalesce($1, '') AND name = $2`, owner.companyId, name);
      if (taken) throw new AiError('AI.MODEL_EXISTS', `A model named ${name} exists already.`, { field: 'name' });
      await append(events);
    });
    return modelId;
  }

  async registerVersion(owner: Owner, modelId: string, body: Body, meta: CommandMeta): Promise<string> {
    const versionId = randomUUID();
    await this.act(owner, modelId, { type: 'RegisterVersion', versionId, spec: parseVersionSpec(body), meta });
    return versionId;
  }

  async amendVersion(owner: Owner, modelId: string, versionId: string, body: Body, meta: CommandMeta): Promise<void> {
    const changes: { configuration?: Record<string, unknown>; modelCard?: unknown; artifactDigest?: string } = {};
    if (body.configuration !== undefined) {
      if (typeof body.configuration !== 'object' || body.configuration === null || Array.isArray(body.configuration)) throw new AiError('AI.INPUT_INVALID', 'configuration is an object.', { field: 'configuration' });
      changes.configuration = body.configuration as Record<string, unknown>;
    }
    if (body.modelCard !== undefined) changes.modelCard = body.modelCard;
    if (body.artifactDigest !== undefined) {
      if (typeof body.artifactDigest !== 'string' || !/^[0-9a-f]{64}$/.test(body.artifactDigest)) throw new AiError('AI.INPUT_INVALID', 'artifactDigest is a sha256 in lowercase hex.', { field: 'artifactDigest' });
      changes.artifactDigest = body.artifactDigest;
    }
    await this.act(owner, modelId, { type: 'AmendVersion', versionId, changes, meta });
  }

  async validate(owner: Owner, modelId: string, versionId: string, body: Body, meta: CommandMeta): Promise<void> {
    await this.act(owner, modelId, { type: 'ValidateVersion', versionId, report: parseValidationReport(body), meta });
  }

  async approve(owner: Owner, modelId: string, versionId: string, meta: CommandMeta): Promise<void> {
    await this.act(owner, modelId, { type: 'ApproveVersion', versionId, meta });
  }

  async deploy(owner: Owner, modelId: string, versionId: string, meta: CommandMeta): Promise<void> {
    await this.act(owner, modelId, { type: 'DeployVersion', versionId, meta });
  }

  async archive(owner: Owner, modelId: string, versionId: string, meta: CommandMeta): Promise<void> {
    await this.act(owner, modelId, { type: 'ArchiveVersion', versionId, meta });
  }

  async moveAlias(owner: Owner, modelId: string, alias: string, versionId: string, meta: CommandMeta): Promise<void> {
    await this.act(owner, modelId, { type: 'MoveAlias', alias, versionId, meta });
  }

  async stop(owner: Owner, modelId: string, reason: string, meta: CommandMeta): Promise<void> {
    await this.act(owner, modelId, { type: 'StopModel', reason, meta });
  }

  async resume(owner: Owner, modelId: string, meta: CommandMeta): Promise<void> {
    await this.act(owner, modelId, { type: 'ResumeModel', meta });
  }

  /** A company accepts the deployed version of a global model: predictions on it may run. */
  async accept(companyId: string | null, modelId: string, versionId: string, meta: CommandMeta): Promise<void> {
    if (!companyId) throw new AiError('AI.GLOBAL_MODEL_READ_ONLY', 'A company accepts a global model; the platform has nothing to accept.');
    const [row] = await this.db.transaction(
      (tx) => tx.query<{ deployed_version_id: string | null }>(`SELECT deployed_version_id FROM ai_models WHERE model_id = $1 AND company_id IS NULL`, modelId),
      { companyId },
    );
    if (!row) throw new AiError('AI.MODEL_NOT_FOUND', 'No such global model.', { modelId });
    if (row.deployed_version_id !== versionId) throw new AiError('AI.VERSION_NOT_DEPLOYED', 'Only the deployed version of a global model is accepted.', { versionId });
    await this.runner.run(acceptanceDecider, { id: acceptanceStreamId(companyId, modelId), type: 'AiModelAcceptance', companyId }, { type: 'AcceptGlobalVersion', modelId, versionId, meta });
  }
}
