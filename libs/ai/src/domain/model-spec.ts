import { AiError } from './ai.errors';
import { RISK_TIERS } from './model.events';
import type { Lineage, ModelCard, OutputBaseline, RiskTier, Threshold, ValidationReport, VersionSpec } from './model.events';

// Input checks for registry commands: every refusal is AI.INPUT_INVALID naming the field.

const bad = (field: string, message: string): never => {
  throw new AiError('AI.INPUT_INVALID', message, { field });
};
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SHA256 = /^[0-9a-f]{64}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const COMMIT = /^[0-9a-f]{7,64}$/;

function text(v: unknown, field: string, max = 4000): string {
  if (typeof v !== 'string' || !v.trim() || v.length > max) bad(field, `${field} is a non-empty text of at most ${max} characters.`);
  return (v as string).trim();
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, `${field} is a finite number.`);
  return v as number;
}

function numberMap(v: unknown, field: string): Record<string, number> {
  if (!isObj(v) || Object.keys(v).length > 100) bad(field, `${field} maps names to numbers (at most 100).`);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[text(k, `${field} key`, 64)] = finite(x, `${field}.${k}`);
  return out;
}

export function parseModelCard(v: unknown, field = 'modelCard'): ModelCard | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) return bad(field, 'The model card is an object.');
  const unknown = Object.keys(v).find((k) => !['intendedUse', 'outOfScopeUse', 'metricsByGroup', 'limitations'].includes(k));
  if (unknown) bad(`${field}.${unknown}`, `Unknown model card field ${unknown}.`);
  if (!isObj(v.metricsByGroup)) bad(`${field}.metricsByGroup`, 'metricsByGroup maps each group to its metrics.');
  const groups: Record<string, Record<string, number>> = {};
  for (const [g, m] of Object.entries(v.metricsByGroup as Record<string, unknown>)) groups[text(g, `${field}.metricsByGroup key`, 64)] = numberMap(m, `${field}.metricsByGroup.${g}`);
  return { intendedUse: text(v.intendedUse, `${field}.intendedUse`), outOfScopeUse: text(v.outOfScopeUse, `${field}.outOfScopeUse`), metricsByGroup: groups, limitations: text(v.limitations, `${field}.limitations`) };
}

function parseLineage(v: unknown): Lineage {
  if (!isObj(v)) return bad('lineage', 'lineage has dataSnapshotHash (sha256), codeCommit and parentVersionId.');
  const hash = v.dataSnapshotHash;
  if (typeof hash !== 'string' || !SHA256.test(hash)) bad('lineage.dataSnapshotHash', 'dataSnapshotHash is a sha256 in lowercase hex.');
  const commit = v.codeCommit;
  if (typeof commit !== 'string' || !COMMIT.test(commit)) bad('lineage.codeCommit', 'codeCommit is a git commit id in lowercase hex.');
  const parent = v.parentVersionId ?? null;
  if (parent !== null && (typeof parent !== 'string' || parent.length > 80)) bad('lineage.parentVersionId', 'parentVersionId is a version id or null.');
  return { dataSnapshotHash: hash as string, codeCommit: commit as string, parentVersionId: parent as string | null };
}

/** A version's thresholds, from its configuration: `thresholds: { auc: { min: 0.8 }, fpr: { max: 0.1 } }`. */
export function thresholdsOf(configuration: Record<string, unknown>): Record<string, Threshold> {
  const t = configuration.thresholds;
  if (t === undefined) return {};
  if (!isObj(t)) return bad('configuration.thresholds', 'thresholds maps metric names to { min?, max? }.');
  const out: Record<string, Threshold> = {};
  for (const [k, x] of Object.entries(t)) {
    if (!isObj(x) || (x.min === undefined && x.max === undefined)) bad(`configuration.thresholds.${k}`, 'A threshold has min, max or both.');
    const th = x as Record<string, unknown>;
    out[k] = { ...(th.min !== undefined ? { min: finite(th.min, `configuration.thresholds.${k}.min`) } : {}), ...(th.max !== undefined ? { max: finite(th.max, `configuration.thresholds.${k}.max`) } : {}) };
  }
  return out;
}

export function parseVersionSpec(v: unknown): VersionSpec {
  if (!isObj(v)) return bad('body', 'A version is an object.');
  const version = v.version;
  if (typeof version !== 'string' || !VERSION.test(version)) bad('version', 'version is 1-64 letters, digits and . _ + -');
  const digest = v.artifactDigest;
  if (typeof digest !== 'string' || !SHA256.test(digest)) bad('artifactDigest', 'artifactDigest is the sha256 of the artifact in lowercase hex.');
  const configuration = v.configuration ?? {};
  if (!isObj(configuration)) bad('configuration', 'configuration is an object.');
  thresholdsOf(configuration as Record<string, unknown>);
  const tier = v.riskTier;
  if (!RISK_TIERS.includes(tier as RiskTier)) bad('riskTier', 'riskTier is low, medium or high.');
  if (JSON.stringify(configuration).length > 64_000) bad('configuration', 'configuration is at most 64 kB.');
  return { version: version as string, artifactDigest: digest as string, lineage: parseLineage(v.lineage), configuration: configuration as Record<string, unknown>, modelCard: parseModelCard(v.modelCard), riskTier: tier as RiskTier };
}

function parseBaseline(v: unknown): OutputBaseline | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v) || !Array.isArray(v.edges) || !Array.isArray(v.proportions)) return bad('baseline', 'baseline has edges (n + 1, ascending) and proportions (n, summing to 1).');
  const edges = (v.edges as unknown[]).map((x, i) => finite(x, `baseline.edges.${i}`));
  const proportions = (v.proportions as unknown[]).map((x, i) => finite(x, `baseline.proportions.${i}`));
  if (edges.length < 3 || edges.length > 101 || proportions.length !== edges.length - 1) bad('baseline', 'baseline has 2 to 100 bins: n + 1 edges and n proportions.');
  if (edges.some((e, i) => i > 0 && e <= edges[i - 1])) bad('baseline.edges', 'edges ascend strictly.');
  if (proportions.some((p) => p < 0) || Math.abs(proportions.reduce((s, p) => s + p, 0) - 1) > 1e-6) bad('baseline.proportions', 'proportions are shares that sum to 1.');
  return { edges, proportions };
}

export function parseValidationReport(v: unknown): ValidationReport {
  if (!isObj(v)) return bad('body', 'A validation report is an object.');
  return { metrics: numberMap(v.metrics, 'metrics'), baseline: parseBaseline(v.baseline) };
}

/** The metrics that miss their thresholds (a missing metric misses). */
export function thresholdFailures(report: ValidationReport, thresholds: Record<string, Threshold>): { metric: string; value: number | null; min?: number; max?: number }[] {
  const out: { metric: string; value: number | null; min?: number; max?: number }[] = [];
  for (const [metric, t] of Object.entries(thresholds)) {
    const value = report.metrics[metric];
    const miss = value === undefined || (t.min !== undefined && value < t.min) || (t.max !== undefined && value > t.max);
    if (miss) out.push({ metric, value: value ?? null, ...t });
  }
  return out;
}
