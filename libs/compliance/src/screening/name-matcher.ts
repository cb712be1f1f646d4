import { jaroWinkler } from './jaro-winkler';
import { normalizeName } from './name-normalizer';
import type { SanctionedEntityType } from './sanctions.types';

/** Recorded with every screening result, so a decision can be traced to the algorithm that made it. */
export const MATCHER_VERSION = 'jw-token-1';

export type MatcherConfig = {
  defaultMinScore: number;
  defaultLimit: number;
  /** Token pairs less similar than this (Jaro-Winkler) count as unmatched. */
  tokenFloor: number;
  /**
   * Jaro-Winkler rates a short token inside a longer one highly (ALI / KHALID 0.83, ALI / WALI
   * 0.92); the similarity is multiplied by 1 - lengthPenalty * (length difference / longer length).
   */
  lengthPenalty: number;
  /** Tokens this short (initials, "AL", "DE") match only when equal: Jaro-Winkler means little on them. */
  exactOnlyMaxLength: number;
  /** Share of the name score that measures how much of the query is matched; the rest, of the candidate. */
  queryCoverageWeight: number;
  /**
   * Weight factor of a list name's patronymic (-OVICH, -EVNA, -OGLU ...): Latin-script documents
   * such as passports usually leave it out, so missing it must not sink a match.
   */
  patronymicWeight: number;
  /** Ceiling for a multi-token candidate of which only one token matched. */
  singleTokenCap: number;
  dob: { exactDate: number; sameYear: number; circaToleranceYears: number; mismatch: number };
  country: { match: number; mismatch: number };
  entityTypeMismatch: number;
  /** Index OFAC's weak ("low quality") aliases from the remarks too; OFAC does not expect them screened. */
  includeWeakAliases: boolean;
};

/** The effective configuration; record it with MATCHER_VERSION alongside screening results. */
export const DEFAULT_MATCHER_CONFIG: Readonly<MatcherConfig> = Object.freeze({
  defaultMinScore: 0.85,
  defaultLimit: 10,
  tokenFloor: 0.8,
  lengthPenalty: 0.3,
  exactOnlyMaxLength: 2,
  queryCoverageWeight: 0.7,
  patronymicWeight: 0.5,
  singleTokenCap: 0.75,
  dob: Object.freeze({ exactDate: 0.05, sameYear: 0.03, circaToleranceYears: 2, mismatch: -0.1 }),
  country: Object.freeze({ match: 0.03, mismatch: -0.03 }),
  entityTypeMismatch: -0.2,
  includeWeakAliases: false,
});

export type SanctionsQuery = {
  name: string;
  entityType?: SanctionedEntityType;
  /** 'YYYY-MM-DD'; 'YYYY' or 'YYYY-MM' when only that much is known. */
  dateOfBirth?: string;
  /** ISO 3166 alpha-2 code or an English country name. */
  country?: string;
  minScore?: number;
  limit?: number;
};

/** One query token and the candidate token it was paired with (null: left unmatched). */
export type TokenScore = { query: string; candidate: string | null; similarity: number };

export type SanctionsHit = {
  entryId: string;
  name: string;
  matchedName: string;
  entityType: SanctionedEntityType;
  programs: string[];
  score: number;
  breakdown: {
    nameScore: number;
    tokenScores: TokenScore[];
    dobAdjustment: number;
    countryAdjustment: number;
    entityTypeAdjustment: number;
    matchedOn: 'primary' | 'alias';
  };
};

// Padded bigram alphabet: normalised tokens hold only A-Z and 0-9.
export const BIGRAM_ALPHABET = 38;
const START = 36;
const END = 37;

function symbol(code: number): number {
  return code >= 65 ? code - 65 : code - 48 + 26;
}

/** Distinct padded bigrams of a normalised token ("ALI" -> ^A AL LI I$), as small integers. */
export function bigramsOf(token: string): number[] {
  const out = new Set<number>();
  let prev = START;
  for (let i = 0; i < token.length; i++) {
    const s = symbol(token.charCodeAt(i));
    out.add(prev * BIGRAM_ALPHABET + s);
    prev = s;
  }
  out.add(prev * BIGRAM_ALPHABET + END);
  return [...out];
}

/**
 * How many of the query token's distinct bigrams a candidate token must share to be compared
 * at all. Each edit destroys at most two bigrams, so this admits every token within 1 edit
 * (3 letters or fewer), 2 edits (4 to 7: a transposition is 2) or 3 edits (8 or more).
 */
export function bigramGate(queryToken: string, distinctBigrams: number): number {
  const len = queryToken.length;
  const edits = len <= 3 ? 1 : len <= 7 ? 2 : 3;
  return Math.max(1, distinctBigrams - 2 * edits);
}

/** Jaro-Winkler scaled down by the length difference, or 0 below the floor (see MatcherConfig). */
export function lengthAwareSimilarity(q: string, c: string, config: MatcherConfig): number {
  const la = q.length;
  const lb = c.length;
  const longer = la > lb ? la : lb;
  const s = jaroWinkler(q, c) * (1 - (config.lengthPenalty * Math.abs(la - lb)) / longer);
  return s >= config.tokenFloor ? s : 0;
}

/**
 * Similarity of two normalised tokens as the matcher defines it: length-aware Jaro-Winkler, but
 * 0 below the floor, for short tokens that are not equal, and for pairs that fail the bigram
 * gate. The index computes exactly this, faster; this direct form is the reference.
 */
export function tokenSimilarity(
  q: string,
  c: string,
  config: MatcherConfig = DEFAULT_MATCHER_CONFIG,
): number {
  if (q === c) return 1;
  if (q.length <= config.exactOnlyMaxLength || c.length <= config.exactOnlyMaxLength) return 0;
  const qb = bigramsOf(q);
  const cb = new Set(bigramsOf(c));
  const shared = qb.filter((b) => cb.has(b)).length;
  if (shared < bigramGate(q, qb.length)) return 0;
  return lengthAwareSimilarity(q, c, config);
}

const PATRONYMIC = /(?:OVICH|EVICH|OVNA|EVNA|ICHNA|OGLU|OGLY|KYZY|QIZI)$/;

/**
 * Weights of a list name's tokens in the name score: their length (long tokens carry more
 * identity), but less for a patronymic. OFAC writes persons "LAST, First Patronymic", so a
 * patronymic is the last given name when it has a patronymic ending; surnames with such endings
 * (MALKEVICH, ABRAMOVICH) stand before the comma and keep their full weight.
 */
export function candidateWeights(
  name: string,
  tokens: string[],
  isPerson: boolean,
  config: MatcherConfig,
): number[] {
  const weights = tokens.map((t) => t.length);
  const comma = name.indexOf(',');
  if (!isPerson || comma < 0) return weights;
  const given = normalizeName(name.slice(comma + 1), { entityType: 'person' });
  const last = given[given.length - 1];
  if (given.length < 2 || !last || last.length < 7 || !PATRONYMIC.test(last)) return weights;
  return tokens.map((t, k) => (t === last ? weights[k] * config.patronymicWeight : weights[k]));
}

let usedCandidate = new Uint8Array(64);

/**
 * Pairs query tokens with candidate tokens, each used once, in any order, and scores the name.
 * `sims` is the m x n similarity matrix (row = query token). Pairs are taken greedily, most
 * similar first (candidate weights start at `cOffset`); `assigned[i]` receives the candidate token of query token i, or -1.
 *
 * Score = w * (matched share of the query) + (1 - w) * (matched share of the candidate), each
 * share weighted by token length and similarity, so unmatched tokens on either side cost in
 * proportion to their length, the query's more. A multi-token candidate of which only one token
 * matched is capped below the threshold: a single shared given name or surname is not a match.
 */
export function assignTokens(
  sims: Float64Array,
  m: number,
  n: number,
  qWeights: ArrayLike<number>,
  cWeights: ArrayLike<number>,
  cOffset: number,
  assigned: Int32Array,
  config: MatcherConfig,
): number {
  if (n > usedCandidate.length) usedCandidate = new Uint8Array(n * 2);
  usedCandidate.fill(0, 0, n);
  assigned.fill(-1, 0, m);
  let qTotal = 0;
  let cTotal = 0;
  for (let i = 0; i < m; i++) qTotal += qWeights[i];
  for (let j = 0; j < n; j++) cTotal += cWeights[cOffset + j];

  let qMatched = 0;
  let cMatched = 0;
  let pairs = 0;
  for (let round = Math.min(m, n); round > 0; round--) {
    let best = 0;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < m; i++) {
      if (assigned[i] !== -1) continue;
      for (let j = 0; j < n; j++) {
        const s = sims[i * n + j];
        if (s === 0 || usedCandidate[j] === 1) continue;
        // The most similar pair first; among equals, the longer tokens.
        if (
          s > best ||
          (s === best && qWeights[i] + cWeights[cOffset + j] > qWeights[bi] + cWeights[cOffset + bj])
        ) {
          best = s;
          bi = i;
          bj = j;
        }
      }
    }
    if (bi < 0) break;
    assigned[bi] = bj;
    usedCandidate[bj] = 1;
    const s = sims[bi * n + bj];
    qMatched += s * qWeights[bi];
    cMatched += s * cWeights[cOffset + bj];
    pairs++;
  }
  if (pairs === 0 || qTotal === 0 || cTotal === 0) return 0;
  const w = config.queryCoverageWeight;
  const score = w * (qMatched / qTotal) + (1 - w) * (cMatched / cTotal);
  return n >= 2 && pairs < 2 ? Math.min(score, config.singleTokenCap) : score;
}

/** Reference scoring of one candidate name, token by token (no index): for tests and audits. */
export function scoreNameTokens(
  query: string[],
  candidate: string[],
  config: MatcherConfig = DEFAULT_MATCHER_CONFIG,
  cWeights?: number[],
): { nameScore: number; tokenScores: TokenScore[] } {
  const m = query.length;
  const n = candidate.length;
  const sims = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) sims[i * n + j] = tokenSimilarity(query[i], candidate[j], config);
  const assigned = new Int32Array(m);
  const qWeights = query.map((t) => t.length);
  const nameScore = assignTokens(
    sims,
    m,
    n,
    qWeights,
    cWeights ?? candidate.map((t) => t.length),
    0,
    assigned,
    config,
  );
  const tokenScores: TokenScore[] = [];
  for (let i = 0; i < m; i++) {
    const j = assigned[i];
    tokenScores.push({
      query: query[i],
      candidate: j >= 0 ? candidate[j] : null,
      similarity: j >= 0 ? sims[i * n + j] : 0,
    });
  }
  return { nameScore, tokenScores };
}
