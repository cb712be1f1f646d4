// Risk scores (1-100) come from a documented, versioned model. The model version and the
// breakdown are stored with the score, so a decision can be explained and reproduced later.
// The AI registry can supply another RiskModel with the same interface.

export type RiskFactor = { factor: string; points: number; detail?: string };
/** `registryVersionId`: the model version in the AI registry (libs/ai) that produced the score. */
export type RiskAssessment = { score: number; model: string; registryVersionId?: string; breakdown: RiskFactor[] };

export type ScreeningSummary = { listVersion: string; topScore: number; hits: number };

export type RiskInput = { type: string; data: Record<string, unknown>; screening?: ScreeningSummary | null };

export interface RiskModel {
  readonly version: string;
  /** The version's id in the AI registry, named by every score it gives. */
  readonly registryVersionId?: string;
  assess(input: RiskInput): RiskAssessment;
}

// FATF "high-risk and other monitored jurisdictions" style list, kept short and explicit.
export const HIGH_RISK_COUNTRIES = new Set(['IR', 'IRAN', 'KP', 'NORTH KOREA', 'MM', 'MYANMAR', 'SY', 'SYRIA', 'RU', 'RUSSIA', 'BY', 'BELARUS', 'CU', 'CUBA', 'VE', 'VENEZUELA', 'AF', 'AFGHANISTAN', 'YE', 'YEMEN']);

const highRisk = (c: unknown) => typeof c === 'string' && HIGH_RISK_COUNTRIES.has(c.trim().toUpperCase());

/** rules-1's weights: the configuration the AI registry records for the version (a change is a new version). */
export const RULES_1_WEIGHTS = Object.freeze({
  base: 5,
  sanctionsHitFactor: 90,
  highRiskCountry: 25,
  amountBands: [
    [1_000_000, 45],
    [100_000, 30],
    [10_000, 15],
  ] as readonly (readonly [number, number])[],
  riskyChannels: ['cash', 'crypto'] as readonly string[],
  riskyChannel: 15,
  missingKycField: 10,
  kycFields: ['subjectName', 'dateOfBirth', 'nationality', 'documentNumber'] as readonly string[],
  highRiskCountries: [...HIGH_RISK_COUNTRIES],
});

/** The registry ids of Maple's own models (registered by the AI context at start). */
export const RISK_MODEL_REGISTRY = { modelId: 'maple-compliance-risk', versionId: 'maple-compliance-risk@rules-1' } as const;
export const MATCHER_REGISTRY = { modelId: 'maple-sanctions-matcher', versionId: 'maple-sanctions-matcher@jw-token-1' } as const;

/**
 * rules-1: points add up from a base of 5, clamped to 1..100.
 * - sanctions hit: 90 x the best match score (a 0.95 hit alone gives 85 + 5)
 * - high-risk country (AML country, KYC nationality, OFAC country): +25
 * - AML amount bands: >= 10,000: +15; >= 100,000: +30; >= 1,000,000: +45
 * - AML channel cash or crypto: +15
 * - KYC: each missing identity field: +10
 */
export const rulesRiskModel: RiskModel = {
  version: 'rules-1',
  registryVersionId: RISK_MODEL_REGISTRY.versionId,
  assess({ type, data, screening }) {
    const w = RULES_1_WEIGHTS;
    const breakdown: RiskFactor[] = [{ factor: 'base', points: w.base }];
    if (screening && screening.hits > 0) breakdown.push({ factor: 'sanctions_hit', points: Math.round(w.sanctionsHitFactor * screening.topScore), detail: `best match ${screening.topScore.toFixed(3)} on list ${screening.listVersion.slice(0, 12)}` });
    const countryField = type === 'KYC' ? data.nationality : data.country;
    if (highRisk(countryField)) breakdown.push({ factor: 'high_risk_country', points: w.highRiskCountry, detail: String(countryField) });
    if (type === 'AML') {
      const amount = Number(String(data.amount ?? '0'));
      const band = w.amountBands.find(([min]) => amount >= min)?.[1] ?? 0;
      if (band) breakdown.push({ factor: 'amount_band', points: band, detail: String(data.amount) });
      if (w.riskyChannels.includes(String(data.channel))) breakdown.push({ factor: 'risky_channel', points: w.riskyChannel, detail: String(data.channel) });
    }
    if (type === 'KYC') {
      for (const f of w.kycFields) if (!data[f]) breakdown.push({ factor: 'missing_kyc_field', points: w.missingKycField, detail: f });
    }
    const total = breakdown.reduce((s, f) => s + f.points, 0);
    return { score: Math.max(1, Math.min(100, total)), model: this.version, registryVersionId: this.registryVersionId, breakdown };
  },
};
