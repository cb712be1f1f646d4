// Request and response examples for the OpenAPI document.
const SHA = 'a3f1c9e07b5d42e8a3f1c9e07b5d42e8a3f1c9e07b5d42e8a3f1c9e07b5d42e8';

export const MODEL_CARD_EXAMPLE = {
  intendedUse: 'Ranking AML alerts for human review.',
  outOfScopeUse: 'Deciding an alert without a human.',
  metricsByGroup: { 'region:EU': { auc: 0.9 }, 'region:US': { auc: 0.88 } },
  limitations: 'Trained on 2025 EU transfers only.',
};

export const VERSION_BODY_EXAMPLE = {
  version: '1.0.0',
  artifactDigest: SHA,
  lineage: { dataSnapshotHash: SHA, codeCommit: '4ba11ce', parentVersionId: null },
  configuration: { thresholds: { auc: { min: 0.85 } }, driftOutput: 'score', driftThreshold: 0.2 },
  modelCard: MODEL_CARD_EXAMPLE,
  riskTier: 'high',
};

export const VERSION_EXAMPLE = {
  id: '6f1c0a8e-2b7d-4e1a-9c3f-5d2e1b0a9c87',
  modelId: '0b8e5c1a-3d2f-4a6b-8c9d-1e2f3a4b5c6d',
  name: 'aml-alert-ranker',
  version: '1.0.0',
  type: 'compliance',
  status: 'deployed',
  riskTier: 'high',
  performance: { auc: 0.91 },
  configuration: VERSION_BODY_EXAMPLE.configuration,
  artifactDigest: SHA,
  lineage: VERSION_BODY_EXAMPLE.lineage,
  modelCard: MODEL_CARD_EXAMPLE,
  validation: { metrics: { auc: 0.91 }, baseline: { edges: [0, 0.5, 1], proportions: [0.7, 0.3] }, thresholds: { auc: { min: 0.85 } } },
  approvals: [{ by: 'usr_9', at: '2026-11-25T09:00:00.000Z' }, { by: 'usr_11', at: '2026-11-25T10:00:00.000Z' }],
  createdBy: 'usr_7',
  createdAt: '2026-11-25T09:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
};

export const MODEL_EXAMPLE = {
  id: VERSION_EXAMPLE.modelId,
  name: 'aml-alert-ranker',
  type: 'compliance',
  global: false,
  deployedVersionId: VERSION_EXAMPLE.id,
  aliases: { champion: VERSION_EXAMPLE.id },
  stopped: null,
  drift: null,
  createdBy: 'usr_7',
  createdAt: '2026-11-25T09:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
  versions: [VERSION_EXAMPLE],
  aliasHistory: [{ alias: 'champion', versionId: VERSION_EXAMPLE.id, previousVersionId: null, movedBy: 'usr_7', movedAt: '2026-11-25T10:00:00.000Z' }],
};

export const PREDICTION_BODY_EXAMPLE = {
  input: { amount: 25000, country: 'DE', channel: 'wire' },
  output: { score: 0.82, label: 'review' },
  explanation: [
    { feature: 'amount', contribution: 0.41 },
    { feature: 'channel', contribution: 0.12 },
  ],
  purpose: 'aml-alert-triage',
  latencyMs: 3.2,
};

export const BATCH_EXAMPLE = { batchId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', modelId: MODEL_EXAMPLE.id, versionId: VERSION_EXAMPLE.id, root: SHA, count: 2, predictionIds: ['c1', 'c2'] };

export const PREDICTION_EXAMPLE = {
  id: 'c1',
  modelId: MODEL_EXAMPLE.id,
  versionId: VERSION_EXAMPLE.id,
  batchId: BATCH_EXAMPLE.batchId,
  batchIndex: 0,
  inputHash: SHA,
  output: PREDICTION_BODY_EXAMPLE.output,
  explanation: PREDICTION_BODY_EXAMPLE.explanation,
  caller: 'usr_7',
  purpose: 'aml-alert-triage',
  latencyMs: 3.2,
  recordedAt: '2026-11-25T10:00:00.000Z',
  sealId: 'f0e1d2c3-b4a5-4968-8776-655443322110',
  sealPosition: '1042',
  reviews: [{ id: 'r1', verdict: 'overridden', reason: 'Known counterparty.', newOutput: { label: 'clear' }, reviewedBy: 'usr_9', reviewedAt: '2026-11-25T11:00:00.000Z' }],
  outcome: { label: 'clear' },
};

export const VERIFY_EXAMPLE = { ok: false, sealedBatches: 12, verifiedBatches: 11, unsealedBatches: 1, predictions: 4200, problems: [{ batchId: BATCH_EXAMPLE.batchId, position: 17, predictionId: 'c18', problem: 'altered' }] };
