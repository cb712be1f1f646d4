import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { modelDecider as d } from './model.decider';
import type { ModelCommand } from './model.decider';
import type { ModelEvent, VersionSpec } from './model.events';

const meta = (actorId: string): CommandMeta => ({ commandId: 'c', now: new Date('2026-12-01T00:00:00Z'), actorId, companyId: 'co', correlationId: 'r' });
const card = { intendedUse: 'u', outOfScopeUse: 'o', metricsByGroup: {}, limitations: 'l' };
const spec = (riskTier: 'low' | 'high', over: Partial<VersionSpec> = {}): VersionSpec => ({
  version: '1.0.0',
  artifactDigest: 'a'.repeat(64),
  lineage: { dataSnapshotHash: 'b'.repeat(64), codeCommit: 'abcdef1', parentVersionId: null },
  configuration: { thresholds: { auc: { min: 0.8 } } },
  modelCard: card,
  riskTier,
  ...over,
});
const registered: ModelEvent = { type: 'AiModelRegistered', data: { modelId: 'm', companyId: 'co', name: 'ranker', type: 'compliance', by: 'author' } };
const version = (riskTier: 'low' | 'high', over: Partial<VersionSpec> = {}): ModelEvent => ({ type: 'AiModelVersionRegistered', data: { versionId: 'v1', spec: spec(riskTier, over), by: 'author' } });
const report = { metrics: { auc: 0.9 }, baseline: null };
const validated: ModelEvent = { type: 'AiModelVersionValidated', data: { versionId: 'v1', report, thresholds: { auc: { min: 0.8 } }, by: 'author' } };
type WithoutMeta<T> = T extends unknown ? Omit<T, 'meta'> : never;
const cmd = (c: WithoutMeta<ModelCommand>, actor = 'author') => ({ ...c, meta: meta(actor) }) as ModelCommand;

describe('model decider', () => {
  it('validates a version in training only against the thresholds of its configuration', () => {
    given(d, [registered, version('low')]).when(cmd({ type: 'ValidateVersion', versionId: 'v1', report })).then([validated]);
    given(d, [registered, version('low')]).when(cmd({ type: 'ValidateVersion', versionId: 'v1', report: { metrics: { auc: 0.7 }, baseline: null } })).thenThrows('AI.VALIDATION_BELOW_THRESHOLD');
    given(d, [registered, version('low')]).when(cmd({ type: 'ValidateVersion', versionId: 'v1', report: { metrics: {}, baseline: null } })).thenThrows('AI.VALIDATION_BELOW_THRESHOLD');
    given(d, [registered, version('low'), validated]).when(cmd({ type: 'ValidateVersion', versionId: 'v1', report })).thenThrows('AI.TRANSITION_NOT_ALLOWED');
  });

  it('keeps a validated version immutable', () => {
    given(d, [registered, version('low')]).when(cmd({ type: 'AmendVersion', versionId: 'v1', changes: { artifactDigest: 'c'.repeat(64) } })).then([{ type: 'AiModelVersionAmended', data: { versionId: 'v1', spec: spec('low', { artifactDigest: 'c'.repeat(64) }), by: 'author' } }]);
    given(d, [registered, version('low'), validated]).when(cmd({ type: 'AmendVersion', versionId: 'v1', changes: { artifactDigest: 'c'.repeat(64) } })).thenThrows('AI.VERSION_IMMUTABLE');
  });

  it('never lets the author approve, and needs two different approvers for a high-risk version', () => {
    given(d, [registered, version('high'), validated]).when(cmd({ type: 'ApproveVersion', versionId: 'v1' })).thenThrows('AI.SELF_APPROVAL');
    const first: ModelEvent = { type: 'AiModelVersionApprovalRecorded', data: { versionId: 'v1', by: 'anna' } };
    given(d, [registered, version('high'), validated]).when(cmd({ type: 'ApproveVersion', versionId: 'v1' }, 'anna')).then([first]);
    given(d, [registered, version('high'), validated, first]).when(cmd({ type: 'ApproveVersion', versionId: 'v1' }, 'anna')).thenThrows('AI.SECOND_APPROVER_REQUIRED');
    given(d, [registered, version('high'), validated, first]).when(cmd({ type: 'ApproveVersion', versionId: 'v1' }, 'ben')).then([{ type: 'AiModelVersionApproved', data: { versionId: 'v1', by: 'ben', approvers: ['anna', 'ben'] } }]);
    given(d, [registered, version('low'), validated]).when(cmd({ type: 'ApproveVersion', versionId: 'v1' }, 'anna')).then([{ type: 'AiModelVersionApproved', data: { versionId: 'v1', by: 'anna', approvers: ['anna'] } }]);
    given(d, [registered, version('low', { modelCard: null }), validated]).when(cmd({ type: 'ApproveVersion', versionId: 'v1' }, 'anna')).thenThrows('AI.MODEL_CARD_REQUIRED');
  });

  it('deploys approved versions only, retiring the one deployed before', () => {
    const approved: ModelEvent = { type: 'AiModelVersionApproved', data: { versionId: 'v1', by: 'anna', approvers: ['anna'] } };
    given(d, [registered, version('low'), validated]).when(cmd({ type: 'DeployVersion', versionId: 'v1' })).thenThrows('AI.VERSION_NOT_APPROVED');
    given(d, [registered, version('low'), validated, approved]).when(cmd({ type: 'DeployVersion', versionId: 'v1' })).then([{ type: 'AiModelVersionDeployed', data: { versionId: 'v1', retiredVersionId: null, by: 'author' } }]);
    const v2: ModelEvent[] = [
      { type: 'AiModelVersionRegistered', data: { versionId: 'v2', spec: spec('low', { version: '2.0.0' }), by: 'author' } },
      { type: 'AiModelVersionValidated', data: { ...validated.data, versionId: 'v2' } as never },
      { type: 'AiModelVersionApproved', data: { versionId: 'v2', by: 'anna', approvers: ['anna'] } },
    ];
    const deployed: ModelEvent = { type: 'AiModelVersionDeployed', data: { versionId: 'v1', retiredVersionId: null, by: 'author' } };
    given(d, [registered, version('low'), validated, approved, deployed, ...v2]).when(cmd({ type: 'DeployVersion', versionId: 'v2' })).then([{ type: 'AiModelVersionDeployed', data: { versionId: 'v2', retiredVersionId: 'v1', by: 'author' } }]);
    // Deploying the deployed version again decides nothing.
    given(d, [registered, version('low'), validated, approved, deployed]).when(cmd({ type: 'DeployVersion', versionId: 'v1' })).then([]);
  });

  it('refuses a built-in version whose weights changed under the same name', () => {
    const install = (digest: string) => cmd({ type: 'InstallBuiltinVersion', modelId: 'm', name: 'maple.risk', modelType: 'compliance', versionId: 'v1', spec: spec('high', { artifactDigest: digest }), release: 'r' }, 'system:maple');
    const installed: ModelEvent = { type: 'AiBuiltinVersionInstalled', data: { versionId: 'v1', spec: spec('high'), release: 'r' } };
    given(d, [registered, installed]).when(install('a'.repeat(64))).then([]);
    given(d, [registered, installed]).when(install('f'.repeat(64))).thenThrows('AI.BUILTIN_CHANGED');
  });
});
