import type { Command, Decider } from '@maple/platform';
import { AiError } from './ai.errors';
import { ALIASES, MODEL_TYPES } from './model.events';
import type { Alias, ModelEvent, ModelType, RiskTier, ValidationReport, VersionSpec, VersionStatus } from './model.events';
import { parseModelCard, thresholdFailures, thresholdsOf } from './model-spec';

export type VersionState = { versionId: string; version: string; status: VersionStatus; author: string; riskTier: RiskTier; spec: VersionSpec; approvals: string[]; report: ValidationReport | null };

export type ModelState = {
  exists: boolean;
  companyId: string | null;
  name: string;
  versions: Record<string, VersionState>;
  deployedVersionId: string | null;
  aliases: Partial<Record<Alias, string>>;
  stopped: boolean;
  /** The last drift flag of the deployed version (cleared by the next deployment). */
  drift: { versionId: string; psi: number } | null;
};

export type ModelCommand =
  | (Command<'RegisterModel'> & { modelId: string; companyId: string | null; name: string; modelType: string })
  | (Command<'RegisterVersion'> & { versionId: string; spec: VersionSpec })
  | (Command<'AmendVersion'> & { versionId: string; changes: { configuration?: Record<string, unknown>; modelCard?: unknown; artifactDigest?: string } })
  | (Command<'ValidateVersion'> & { versionId: string; report: ValidationReport })
  | (Command<'ApproveVersion'> & { versionId: string })
  | (Command<'DeployVersion'> & { versionId: string })
  | (Command<'ArchiveVersion'> & { versionId: string })
  | (Command<'MoveAlias'> & { alias: string; versionId: string })
  | (Command<'StopModel'> & { reason: string })
  | Command<'ResumeModel'>
  | (Command<'FlagDrift'> & { versionId: string; psi: number; threshold: number; sample: number; windowStart: string; windowEnd: string })
  | (Command<'InstallBuiltinVersion'> & { modelId: string; name: string; modelType: ModelType; versionId: string; spec: VersionSpec; release: string });

export const initialModel: ModelState = { exists: false, companyId: null, name: '', versions: {}, deployedVersionId: null, aliases: {}, stopped: false, drift: null };

const NAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

function versionOf(s: ModelState, versionId: string): VersionState {
  const v = s.versions[versionId];
  if (!v) throw new AiError('AI.VERSION_NOT_FOUND', 'No such version of this model.', { versionId });
  return v;
}

function decide(cmd: ModelCommand, s: ModelState): ModelEvent[] {
  const by = cmd.meta.actorId ?? '';
  if (cmd.type === 'RegisterModel') {
    if (s.exists) throw new AiError('AI.MODEL_EXISTS', 'The model exists already.');
    if (!NAME.test(cmd.name)) throw new AiError('AI.INPUT_INVALID', 'A model name is 2-64 lowercase letters, digits and . _ -', { field: 'name' });
    if (!MODEL_TYPES.includes(cmd.modelType as ModelType)) throw new AiError('AI.INPUT_INVALID', 'type is compliance, hr, analytics or agent.', { field: 'type' });
    return [{ type: 'AiModelRegistered', data: { modelId: cmd.modelId, companyId: cmd.companyId, name: cmd.name, type: cmd.modelType as ModelType, by } }];
  }
  if (cmd.type === 'InstallBuiltinVersion') {
    const known = s.versions[cmd.versionId];
    if (known) {
      // A built-in version is what Maple's code computes: other weights are another version.
      if (known.spec.artifactDigest !== cmd.spec.artifactDigest) throw new AiError('AI.BUILTIN_CHANGED', `Built-in ${cmd.versionId} changed without a new version name.`, { versionId: cmd.versionId });
      return [];
    }
    const out: ModelEvent[] = [];
    if (!s.exists) out.push({ type: 'AiModelRegistered', data: { modelId: cmd.modelId, companyId: null, name: cmd.name, type: cmd.modelType, by } });
    out.push({ type: 'AiBuiltinVersionInstalled', data: { versionId: cmd.versionId, spec: cmd.spec, release: cmd.release } });
    return out;
  }
  if (!s.exists) throw new AiError('AI.MODEL_NOT_FOUND', 'No such model.');
  switch (cmd.type) {
    case 'RegisterVersion': {
      if (s.versions[cmd.versionId] || Object.values(s.versions).some((v) => v.version === cmd.spec.version)) throw new AiError('AI.VERSION_EXISTS', `Version ${cmd.spec.version} exists already.`);
      const parent = cmd.spec.lineage.parentVersionId;
      if (parent && !s.versions[parent]) throw new AiError('AI.INPUT_INVALID', 'The parent version is not a version of this model.', { field: 'lineage.parentVersionId' });
      return [{ type: 'AiModelVersionRegistered', data: { versionId: cmd.versionId, spec: cmd.spec, by } }];
    }
    case 'AmendVersion': {
      const v = versionOf(s, cmd.versionId);
      // A validated version is what was tested and approved: it never changes again.
      if (v.status !== 'training') throw new AiError('AI.VERSION_IMMUTABLE', `Version ${v.version} is ${v.status}: it is immutable once validated; register a new version.`, { status: v.status });
      const c = cmd.changes;
      const spec: VersionSpec = {
        ...v.spec,
        ...(c.configuration !== undefined ? { configuration: c.configuration } : {}),
        ...(c.modelCard !== undefined ? { modelCard: parseModelCard(c.modelCard) } : {}),
        ...(c.artifactDigest !== undefined ? { artifactDigest: c.artifactDigest } : {}),
      };
      thresholdsOf(spec.configuration);
      return [{ type: 'AiModelVersionAmended', data: { versionId: v.versionId, spec, by } }];
    }
    case 'ValidateVersion': {
      const v = versionOf(s, cmd.versionId);
      if (v.status !== 'training') throw new AiError('AI.TRANSITION_NOT_ALLOWED', `Version ${v.version} is ${v.status}; only a version in training is validated.`, { status: v.status });
      const thresholds = thresholdsOf(v.spec.configuration);
      const failures = thresholdFailures(cmd.report, thresholds);
      if (failures.length) throw new AiError('AI.VALIDATION_BELOW_THRESHOLD', `The validation misses ${failures.length} threshold(s) of the configuration.`, { failures });
      return [{ type: 'AiModelVersionValidated', data: { versionId: v.versionId, report: cmd.report, thresholds, by } }];
    }
    case 'ApproveVersion': {
      const v = versionOf(s, cmd.versionId);
      if (v.status !== 'validated') throw new AiError('AI.TRANSITION_NOT_ALLOWED', `Version ${v.version} is ${v.status}; only a validated version is approved.`, { status: v.status });
      if (!v.spec.modelCard) throw new AiError('AI.MODEL_CARD_REQUIRED', 'A version needs its model card before it is approved for deployment.');
      // Two-person rule: the author never approves their own version.
      if (by === v.author) throw new AiError('AI.SELF_APPROVAL', 'The author of a version does not approve it.');
      if (v.approvals.includes(by)) throw new AiError('AI.SECOND_APPROVER_REQUIRED', 'A high-risk version needs a second, different approver.');
      if (v.riskTier === 'high' && v.approvals.length === 0) return [{ type: 'AiModelVersionApprovalRecorded', data: { versionId: v.versionId, by } }];
      return [{ type: 'AiModelVersionApproved', data: { versionId: v.versionId, by, approvers: [...v.approvals, by] } }];
    }
    case 'DeployVersion': {
      const v = versionOf(s, cmd.versionId);
      if (v.status === 'deployed') return [];
      if (v.status !== 'approved') throw new AiError('AI.VERSION_NOT_APPROVED', `Version ${v.version} is ${v.status}; only an approved version is deployed.`, { status: v.status });
      if (!v.spec.modelCard) throw new AiError('AI.MODEL_CARD_REQUIRED', 'A version needs its model card before it is deployed.');
      // One deployed version per model: deploying retires the one before.
      return [{ type: 'AiModelVersionDeployed', data: { versionId: v.versionId, retiredVersionId: s.deployedVersionId, by } }];
    }
    case 'ArchiveVersion': {
      const v = versionOf(s, cmd.versionId);
      if (v.status === 'archived') throw new AiError('AI.TRANSITION_NOT_ALLOWED', `Version ${v.version} is archived already.`, { status: v.status });
      return [{ type: 'AiModelVersionArchived', data: { versionId: v.versionId, by } }];
    }
    case 'MoveAlias': {
      if (!ALIASES.includes(cmd.alias as Alias)) throw new AiError('AI.INPUT_INVALID', 'The alias is champion or challenger.', { field: 'alias' });
      const v = versionOf(s, cmd.versionId);
      if (v.status === 'archived') throw new AiError('AI.TRANSITION_NOT_ALLOWED', 'An alias never points at an archived version.', { status: v.status });
      const previous = s.aliases[cmd.alias as Alias] ?? null;
      if (previous === v.versionId) return [];
      return [{ type: 'AiModelAliasMoved', data: { alias: cmd.alias as Alias, versionId: v.versionId, previousVersionId: previous, by } }];
    }
    case 'StopModel':
      if (!cmd.reason.trim() || cmd.reason.length > 2000) throw new AiError('AI.INPUT_INVALID', 'An emergency stop says why (1-2000 characters).', { field: 'reason' });
      if (s.stopped) return [];
      return [{ type: 'AiModelStopped', data: { reason: cmd.reason, by } }];
    case 'ResumeModel':
      if (!s.stopped) return [];
      return [{ type: 'AiModelResumed', data: { by } }];
    case 'FlagDrift': {
      const v = versionOf(s, cmd.versionId);
      if (v.status !== 'deployed') return [];
      return [{ type: 'AiModelDriftFlagged', data: { versionId: v.versionId, psi: cmd.psi, threshold: cmd.threshold, sample: cmd.sample, windowStart: cmd.windowStart, windowEnd: cmd.windowEnd } }];
    }
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

const withVersion = (s: ModelState, id: string, f: (v: VersionState) => VersionState): ModelState => ({ ...s, versions: { ...s.versions, [id]: f(s.versions[id]) } });

function evolve(s: ModelState, e: ModelEvent): ModelState {
  switch (e.type) {
    case 'AiModelRegistered':
      return { ...s, exists: true, companyId: e.data.companyId, name: e.data.name };
    case 'AiModelVersionRegistered':
      return { ...s, versions: { ...s.versions, [e.data.versionId]: { versionId: e.data.versionId, version: e.data.spec.version, status: 'training', author: e.data.by, riskTier: e.data.spec.riskTier, spec: e.data.spec, approvals: [], report: null } } };
    case 'AiBuiltinVersionInstalled':
      return { ...s, deployedVersionId: e.data.versionId, versions: { ...s.versions, [e.data.versionId]: { versionId: e.data.versionId, version: e.data.spec.version, status: 'deployed', author: 'maple', riskTier: e.data.spec.riskTier, spec: e.data.spec, approvals: [], report: null } } };
    case 'AiModelVersionAmended':
      return withVersion(s, e.data.versionId, (v) => ({ ...v, spec: e.data.spec }));
    case 'AiModelVersionValidated':
      return withVersion(s, e.data.versionId, (v) => ({ ...v, status: 'validated', report: e.data.report }));
    case 'AiModelVersionApprovalRecorded':
      return withVersion(s, e.data.versionId, (v) => ({ ...v, approvals: [...v.approvals, e.data.by] }));
    case 'AiModelVersionApproved':
      return withVersion(s, e.data.versionId, (v) => ({ ...v, status: 'approved', approvals: e.data.approvers }));
    case 'AiModelVersionDeployed': {
      const next = e.data.retiredVersionId ? withVersion(s, e.data.retiredVersionId, (v) => ({ ...v, status: 'retired' })) : s;
      return { ...withVersion(next, e.data.versionId, (v) => ({ ...v, status: 'deployed' })), deployedVersionId: e.data.versionId, drift: null };
    }
    case 'AiModelVersionArchived': {
      const next = withVersion(s, e.data.versionId, (v) => ({ ...v, status: 'archived' }));
      const aliases = Object.fromEntries(Object.entries(s.aliases).filter(([, id]) => id !== e.data.versionId));
      return { ...next, aliases, deployedVersionId: s.deployedVersionId === e.data.versionId ? null : s.deployedVersionId };
    }
    case 'AiModelAliasMoved':
      return { ...s, aliases: { ...s.aliases, [e.data.alias]: e.data.versionId } };
    case 'AiModelStopped':
      return { ...s, stopped: true };
    case 'AiModelResumed':
      return { ...s, stopped: false };
    case 'AiModelDriftFlagged':
      return { ...s, drift: { versionId: e.data.versionId, psi: e.data.psi } };
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const modelDecider: Decider<ModelCommand, ModelEvent, ModelState> = { initialState: initialModel, decide, evolve };
