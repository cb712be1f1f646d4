import type { DomainEvent } from '@maple/platform';

export const MODEL_TYPES = ['compliance', 'hr', 'analytics', 'agent'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];
export const RISK_TIERS = ['low', 'medium', 'high'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];
export const ALIASES = ['champion', 'challenger'] as const;
export type Alias = (typeof ALIASES)[number];

// training -> validated -> approved -> deployed -> (retired when another is deployed) -> archived
export type VersionStatus = 'training' | 'validated' | 'approved' | 'deployed' | 'retired' | 'archived';

/** What the EU AI Act calls the instructions for use: required before a version is approved. */
export type ModelCard = { intendedUse: string; outOfScopeUse: string; metricsByGroup: Record<string, Record<string, number>>; limitations: string };
export type Lineage = { dataSnapshotHash: string; codeCommit: string; parentVersionId: string | null };
/** Bin edges (ascending, n + 1) and the validation outputs' share in each of the n bins. */
export type OutputBaseline = { edges: number[]; proportions: number[] };
export type ValidationReport = { metrics: Record<string, number>; baseline: OutputBaseline | null };
export type Threshold = { min?: number; max?: number };

export type VersionSpec = {
  version: string;
  artifactDigest: string;
  lineage: Lineage;
  configuration: Record<string, unknown>;
  modelCard: ModelCard | null;
  riskTier: RiskTier;
};

export type ModelEvent =
  | DomainEvent<'AiModelRegistered', { modelId: string; companyId: string | null; name: string; type: ModelType; by: string }>
  | DomainEvent<'AiModelVersionRegistered', { versionId: string; spec: VersionSpec; by: string }>
  | DomainEvent<'AiModelVersionAmended', { versionId: string; spec: VersionSpec; by: string }>
  | DomainEvent<'AiModelVersionValidated', { versionId: string; report: ValidationReport; thresholds: Record<string, Threshold>; by: string }>
  // High risk: the first of two approvals; the second, by someone else, approves the version.
  | DomainEvent<'AiModelVersionApprovalRecorded', { versionId: string; by: string }>
  | DomainEvent<'AiModelVersionApproved', { versionId: string; by: string; approvers: string[] }>
  | DomainEvent<'AiModelVersionDeployed', { versionId: string; retiredVersionId: string | null; by: string }>
  | DomainEvent<'AiModelVersionArchived', { versionId: string; by: string }>
  | DomainEvent<'AiModelAliasMoved', { alias: Alias; versionId: string; previousVersionId: string | null; by: string }>
  | DomainEvent<'AiModelStopped', { reason: string; by: string }>
  | DomainEvent<'AiModelResumed', { by: string }>
  // The drift alert (a workflow instance once the workflow context exists).
  | DomainEvent<'AiModelDriftFlagged', { versionId: string; psi: number; threshold: number; sample: number; windowStart: string; windowEnd: string }>
  // Maple's own models (compliance's rules-1, the sanctions matcher): released with Maple's code.
  | DomainEvent<'AiBuiltinVersionInstalled', { versionId: string; spec: VersionSpec; release: string }>;

export const MODEL_EVENT_TYPES: ModelEvent['type'][] = [
  'AiModelRegistered',
  'AiModelVersionRegistered',
  'AiModelVersionAmended',
  'AiModelVersionValidated',
  'AiModelVersionApprovalRecorded',
  'AiModelVersionApproved',
  'AiModelVersionDeployed',
  'AiModelVersionArchived',
  'AiModelAliasMoved',
  'AiModelStopped',
  'AiModelResumed',
  'AiModelDriftFlagged',
  'AiBuiltinVersionInstalled',
];
