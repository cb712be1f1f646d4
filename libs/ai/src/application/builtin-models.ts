import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, canonicalJson, commandMeta } from '@maple/platform';
import { DEFAULT_MATCHER_CONFIG, MATCHER_REGISTRY, MATCHER_VERSION, RISK_MODEL_REGISTRY, RULES_1_WEIGHTS, rulesRiskModel } from '@maple/compliance';
import { modelDecider } from '../domain/model.decider';
import type { ModelType, VersionSpec } from '../domain/model.events';
import { modelStreamId } from '../projections/registry.projection';

const digest = (config: unknown) => createHash('sha256').update(canonicalJson(config)).digest('hex');

type Builtin = { modelId: string; name: string; type: ModelType; versionId: string; spec: VersionSpec };

// Maple's own models, as its code computes them. Their artifact digest is the digest of their
// configuration (weights, thresholds), so a change in the code under the same version name is
// refused at start (AI.BUILTIN_CHANGED): a change is a new version.
export function builtinModels(release: string): Builtin[] {
  const card = (intendedUse: string, outOfScopeUse: string, limitations: string) => ({ intendedUse, outOfScopeUse, metricsByGroup: {}, limitations });
  const lineage = { dataSnapshotHash: createHash('sha256').update('maple-builtin-no-training-data').digest('hex'), codeCommit: release, parentVersionId: null };
  return [
    {
      ...RISK_MODEL_REGISTRY,
      name: 'maple.compliance-risk',
      type: 'compliance',
      spec: {
        version: rulesRiskModel.version,
        artifactDigest: digest(RULES_1_WEIGHTS),
        lineage,
        configuration: { weights: RULES_1_WEIGHTS },
        modelCard: card(
          'A 1-100 risk score of AML, KYC and OFAC records from documented rules, to order and route their human review.',
          'Deciding a record without a human review; scoring anything but compliance records.',
          'Rules, not learned: it sees only the fields it names and a sanctions screening summary.',
        ),
        riskTier: 'high',
      },
    },
    {
      ...MATCHER_REGISTRY,
      name: 'maple.sanctions-matcher',
      type: 'compliance',
      spec: {
        version: MATCHER_VERSION,
        artifactDigest: digest(DEFAULT_MATCHER_CONFIG),
        lineage,
        configuration: { ...DEFAULT_MATCHER_CONFIG },
        modelCard: card(
          'Fuzzy matching of names against the sanctions list (token Jaro-Winkler with date of birth and country).',
          'Identity verification; any decision without a human review of the hit.',
          'Latin-script names; transliteration covers common schemes only.',
        ),
        riskTier: 'high',
      },
    },
  ];
}

/** Registers Maple's own models as global, deployed versions (idempotent, at start). */
@Injectable()
export class BuiltinModels {
  constructor(@Inject(CommandRunner) private readonly runner: CommandRunner) {}

  async install(release = 'maple'): Promise<void> {
    for (const b of builtinModels(release)) {
      const meta = commandMeta({ actorId: 'system:maple', companyId: null });
      await this.runner.run(modelDecider, { id: modelStreamId(b.modelId), type: 'AiModel', companyId: null }, { type: 'InstallBuiltinVersion', modelId: b.modelId, name: b.name, modelType: b.type, versionId: b.versionId, spec: b.spec, release, meta });
    }
  }
}
