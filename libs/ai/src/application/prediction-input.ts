import { isSubjectId } from '@maple/platform';
import { AiError } from '../domain/ai.errors';

/** One prediction as a caller reports it. */
export type PredictionInput = {
  input: unknown;
  output: unknown;
  explanation: { feature: string; contribution: number }[];
  purpose: string;
  latencyMs: number;
  versionId: string | null;
  /** The data subject the input is about: with it, the input itself is kept, sealed with the subject's key. */
  subjectId: string | null;
};

export const MAX_BATCH = 1000;
const MAX_TOP_K = 50;
const MAX_JSON = 32_000;

const bad = (field: string, message: string): never => {
  throw new AiError('AI.INPUT_INVALID', message, { field });
};

// Stored JSON must survive the database's jsonb unchanged, or the batch's seal would not verify.
function storable(v: unknown, field: string): void {
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'number' && !Number.isFinite(x)) bad(field, `${field} holds a number JSON cannot carry.`);
    else if (typeof x === 'string' && (x.includes('\u0000') || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(x))) bad(field, `${field} holds a NUL byte or a lone surrogate.`);
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) stack.push(k, y);
  }
  if (JSON.stringify(v).length > MAX_JSON) bad(field, `${field} is at most ${MAX_JSON} characters of JSON.`);
}

export function parsePrediction(v: unknown, at: string): PredictionInput {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad(at, 'A prediction is an object.');
  const p = v as Record<string, unknown>;
  const unknownKey = Object.keys(p).find((k) => !['input', 'output', 'explanation', 'purpose', 'latencyMs', 'versionId', 'subjectId'].includes(k));
  if (unknownKey) bad(`${at}.${unknownKey}`, `Unknown field ${unknownKey}.`);
  if (p.input === undefined) bad(`${at}.input`, 'input is required (only its hash is stored).');
  storable(p.input, `${at}.input`);
  if (p.output === undefined || p.output === null) bad(`${at}.output`, 'output is required.');
  storable(p.output, `${at}.output`);
  if (!Array.isArray(p.explanation) || p.explanation.length > MAX_TOP_K) bad(`${at}.explanation`, `explanation is the top-k feature contributions (at most ${MAX_TOP_K}).`);
  const explanation = (p.explanation as unknown[]).map((x, i) => {
    const f = x as Record<string, unknown>;
    if (!f || typeof f !== 'object' || typeof f.feature !== 'string' || !f.feature || f.feature.length > 128 || typeof f.contribution !== 'number' || !Number.isFinite(f.contribution) || Object.keys(f).length !== 2) {
      return bad(`${at}.explanation.${i}`, 'A contribution is { feature, contribution }.');
    }
    storable(f.feature, `${at}.explanation.${i}.feature`);
    return { feature: f.feature, contribution: f.contribution };
  });
  if (typeof p.purpose !== 'string' || !p.purpose.trim() || p.purpose.length > 200) bad(`${at}.purpose`, 'purpose is a text of 1-200 characters.');
  storable(p.purpose, `${at}.purpose`);
  if (typeof p.latencyMs !== 'number' || !Number.isFinite(p.latencyMs) || p.latencyMs < 0 || p.latencyMs > 3_600_000) bad(`${at}.latencyMs`, 'latencyMs is a number of milliseconds, 0 to 3,600,000.');
  const versionId = p.versionId ?? null;
  if (versionId !== null && (typeof versionId !== 'string' || !/^[A-Za-z0-9@._-]{1,100}$/.test(versionId))) bad(`${at}.versionId`, 'versionId is a version id.');
  const subjectId = p.subjectId ?? null;
  if (subjectId !== null && !isSubjectId(subjectId)) bad(`${at}.subjectId`, 'subjectId is a data subject id (a UUID).');
  return { input: p.input, output: p.output, explanation, purpose: p.purpose as string, latencyMs: p.latencyMs as number, versionId: versionId as string | null, subjectId: subjectId as string | null };
}

export function parseBatch(v: unknown): PredictionInput[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_BATCH) return bad('predictions', `predictions is a list of 1 to ${MAX_BATCH}.`);
  return v.map((x, i) => parsePrediction(x, `predictions.${i}`));
}
