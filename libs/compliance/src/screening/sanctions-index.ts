import { countryKey } from './countries';
import { nameVariants } from './name-normalizer';
import { DEFAULT_MATCHER_CONFIG, MATCHER_VERSION, assignTokens, candidateWeights } from './name-matcher';
import type { MatcherConfig, SanctionsHit, SanctionsQuery } from './name-matcher';
import { parseBirthDate } from './ofac-remarks';
import { ScreeningQueryError } from './sanctions.errors';
import {
  countryAdjustment,
  dobAdjustment,
  entityTypeAdjustment,
  parseQueryDate,
} from './screening-adjustments';
import type { EntryFacts } from './screening-adjustments';
import type { SanctionsEntry, SanctionsSnapshot } from './sanctions.types';
import { IndexedNames } from './indexed-names';
import { TokenSearch } from './token-search';

/**
 * An in-memory screening index over every primary name and alias of a snapshot (and their
 * hyphen-joined spellings). Building takes under a second for the SDN list; a screening takes a
 * fraction of a millisecond. It reuses scratch buffers between calls, so one index serves one
 * thread, which is all a Node process has.
 *
 * score = clamp(nameScore + dobAdjustment + countryAdjustment + entityTypeAdjustment, 0, 1),
 * with nameScore from assignTokens (best name of the entry) and the adjustments from
 * screening-adjustments.ts.
 */
export class SanctionsIndex {
  readonly matcherVersion = MATCHER_VERSION;
  readonly config: Readonly<MatcherConfig>;
  private readonly entries: SanctionsEntry[];
  private readonly facts: EntryFacts[];
  private readonly names: IndexedNames;
  private readonly search: TokenSearch;
  // Scratch, reused by every query: per distinct query token, its similarity to each vocabulary
  // token (zero again after each query).
  private readonly sims: Float64Array[] = [];
  private readonly nameSeen: Uint32Array;
  private readonly entryBest: Float64Array;
  private readonly entryBestName: Int32Array;
  private readonly entryBestVariant: Uint8Array;
  private readonly entrySeen: Uint32Array;
  private queryEpoch = 0;
  private nameEpoch = 0;

  constructor(snapshot: SanctionsSnapshot, config: Partial<MatcherConfig> = {}) {
    this.config = Object.freeze({ ...DEFAULT_MATCHER_CONFIG, ...config });
    this.entries = snapshot.entries;
    this.facts = snapshot.entries.map(factsOf);
    this.names = new IndexedNames();
    this.entries.forEach((entry, e) => {
      const aliases = entry.aliases.map((a) => a.name);
      if (this.config.includeWeakAliases) aliases.push(...entry.weakAliases);
      [entry.name, ...aliases].forEach((name, k) => {
        const isPerson = entry.entityType === 'person';
        for (const tokens of nameVariants(name, { entityType: entry.entityType })) {
          this.names.add(e, name, tokens, candidateWeights(name, tokens, isPerson, this.config), k > 0);
        }
      });
    });
    this.names.seal();
    this.search = new TokenSearch(this.names.vocabulary, this.names.vocabularyIds);
    this.nameSeen = new Uint32Array(this.names.count);
    this.entryBest = new Float64Array(this.entries.length);
    this.entryBestName = new Int32Array(this.entries.length);
    this.entryBestVariant = new Uint8Array(this.entries.length);
    this.entrySeen = new Uint32Array(this.entries.length);
  }

  /** Entries, indexed names (primary, aliases and their spelling variants) and distinct tokens. */
  get stats(): { entries: number; names: number; tokens: number } {
    return { entries: this.entries.length, names: this.names.count, tokens: this.names.vocabulary.length };
  }

  /** Screens one name: the best-scoring entries, best first, one hit per entry (its best name). */
  screen(query: SanctionsQuery): SanctionsHit[] {
    const config = this.config;
    const minScore = query.minScore ?? config.defaultMinScore;
    const limit = query.limit ?? config.defaultLimit;
    // A date or threshold the matcher would silently ignore could hide a match: refuse instead.
    // JSON clients send null for "no date": the same as leaving it out.
    const given = query.dateOfBirth ?? undefined;
    const dob = given === undefined ? null : parseQueryDate(given);
    if (given !== undefined && !dob)
      throw new ScreeningQueryError('dateOfBirth', 'expected YYYY-MM-DD, YYYY-MM or YYYY');
    if (!(minScore >= 0 && minScore <= 1))
      throw new ScreeningQueryError('minScore', 'expected a number from 0 to 1');
    if (!Number.isInteger(limit) || limit < 0)
      throw new ScreeningQueryError('limit', 'expected a whole number');
    // A hyphenated query is also tried with its parts joined, as the index does for list names.
    const variants = nameVariants(query.name, { entityType: query.entityType });
    if (variants[0].length === 0 || limit <= 0) return [];
    // Each distinct word holds a similarity row over the vocabulary; no name has this many words.
    if (new Set(variants.flat()).size > MAX_QUERY_TOKENS) {
      throw new ScreeningQueryError('name', `more than ${MAX_QUERY_TOKENS} distinct words`);
    }
    // Adjustments add at most this much, so names further below the threshold cannot reach it.
    const maxRaise =
      Math.max(config.dob.exactDate, config.dob.sameYear, 0) + Math.max(config.country.match, 0);
    this.queryEpoch++;
    const touchedEntries: number[] = [];
    // Similar vocabulary tokens are looked up once per distinct query token, shared by variants.
    const slots = new Map<string, number>();
    const similar: number[][] = [];
    for (const token of variants.flat()) {
      if (slots.has(token)) continue;
      const slot = slots.size;
      slots.set(token, slot);
      this.sims[slot] ??= new Float64Array(this.names.vocabulary.length);
      similar.push(this.search.similar(token, this.sims[slot], config));
    }
    variants.forEach((tokens, k) => {
      const rows = tokens.map((t) => slots.get(t)!);
      this.scoreVariant(tokens, rows, similar, k, minScore - maxRaise, touchedEntries);
    });
    // Leave the similarity rows zeroed for the next query.
    similar.forEach((ids, slot) => ids.forEach((v) => (this.sims[slot][v] = 0)));

    const hits: { hit: SanctionsHit; nameId: number; tokens: string[] }[] = [];
    for (const e of touchedEntries) {
      const nameScore = this.entryBest[e];
      if (nameScore + maxRaise < minScore || nameScore <= 0) continue;
      const f = this.facts[e];
      const dobAdj = dobAdjustment(dob, f, config);
      const countryAdj = countryAdjustment(query.country, f, config);
      const typeAdj = entityTypeAdjustment(query.entityType, f, config);
      const score = Math.min(1, Math.max(0, nameScore + dobAdj + countryAdj + typeAdj));
      if (score < minScore) continue;
      const entry = this.entries[e];
      const nameId = this.entryBestName[e];
      hits.push({
        nameId,
        tokens: variants[this.entryBestVariant[e]],
        hit: {
          entryId: entry.uid,
          name: entry.name,
          matchedName: this.names.display[nameId],
          entityType: entry.entityType,
          programs: entry.programs,
          score: round(score),
          breakdown: {
            nameScore: round(nameScore),
            tokenScores: [],
            dobAdjustment: dobAdj,
            countryAdjustment: countryAdj,
            entityTypeAdjustment: typeAdj,
            matchedOn: this.names.isAlias[nameId] === 1 ? 'alias' : 'primary',
          },
        },
      });
    }
    hits.sort((x, y) => byRank(x.hit, y.hit));
    return hits.slice(0, limit).map(({ hit, nameId, tokens }) => {
      hit.breakdown.tokenScores = this.names.explain(nameId, tokens, config);
      return hit;
    });
  }

  // Scores every name that shares a similar token with the query (one spelling variant of it)
  // and keeps each entry's best name in entryBest / entryBestName / entryBestVariant.
  private scoreVariant(
    tokens: string[],
    rows: number[],
    similar: number[][],
    variant: number,
    floor: number,
    touchedEntries: number[],
  ): void {
    const { names, config } = this;
    const m = tokens.length;
    const matched = rows.map((slot) => similar[slot]);
    const sims = rows.map((slot) => this.sims[slot]);
    // Query tokens weigh their length; only list names get the patronymic discount.
    const qWeights = tokens.map((t) => t.length);
    const epoch = ++this.nameEpoch;
    let matrix = new Float64Array(m * 8);
    const assigned = new Int32Array(m);
    for (const i of this.retrievalTokens(matched, qWeights, floor)) {
      for (const v of matched[i]) {
        const postings = names.postings[v];
        for (let p = 0; p < postings.length; p++) {
          const nameId = postings[p];
          if (this.nameSeen[nameId] === epoch) continue;
          this.nameSeen[nameId] = epoch;
          const from = names.tokenStart[nameId];
          const n = names.tokenStart[nameId + 1] - from;
          if (matrix.length < m * n) matrix = new Float64Array(m * n * 2);
          for (let q = 0; q < m; q++) {
            const row = sims[q];
            for (let j = 0; j < n; j++) matrix[q * n + j] = row[names.tokenIds[from + j]];
          }
          const score = assignTokens(matrix, m, n, qWeights, names.tokenWeights, from, assigned, config);
          const e = names.entry[nameId];
          if (this.entrySeen[e] !== this.queryEpoch) {
            this.entrySeen[e] = this.queryEpoch;
            this.entryBest[e] = -1;
            touchedEntries.push(e);
          }
          if (score > this.entryBest[e]) {
            this.entryBest[e] = score;
            this.entryBestName[e] = nameId;
            this.entryBestVariant[e] = variant;
          }
        }
      }
    }
  }

  // Which query tokens' postings to walk. A name scores at most w * (matched query share) +
  // (1 - w), so to reach `floor` it must match more than `needed` of the query's weight, and
  // hence at least one token of any set holding the rest. The rarest tokens are chosen first, so
  // common ones ("AL", "MUHAMMAD") are skipped when rarer ones decide. Exact, not a heuristic.
  private retrievalTokens(matched: number[][], qWeights: number[], floor: number): number[] {
    const w = this.config.queryCoverageWeight;
    const total = qWeights.reduce((a, b) => a + b, 0);
    const needed = Math.max(0, (floor - (1 - w)) / w) * total;
    const cost = matched.map((ids) => ids.reduce((sum, v) => sum + this.names.postings[v].length, 0));
    const order = matched.map((_, i) => i).sort((a, b) => cost[a] / qWeights[a] - cost[b] / qWeights[b]);
    const chosen: number[] = [];
    let covered = 0;
    for (const i of order) {
      if (needed > 0 && covered > total - needed) break;
      chosen.push(i);
      covered += qWeights[i];
    }
    return chosen;
  }
}

const MAX_QUERY_TOKENS = 40;

function factsOf(entry: SanctionsEntry): EntryFacts {
  const birthDates = entry.datesOfBirth.map(parseBirthDate).filter((d) => d !== null);
  return { entityType: entry.entityType, birthDates, countryKeys: new Set(entry.countries.map(countryKey)) };
}

// Best score first; ties by name score, then by list id so that results are reproducible.
function byRank(a: SanctionsHit, b: SanctionsHit): number {
  return (
    b.score - a.score ||
    b.breakdown.nameScore - a.breakdown.nameScore ||
    a.entryId.localeCompare(b.entryId, 'en', { numeric: true })
  );
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** Builds the screening index for a snapshot; `config` overrides DEFAULT_MATCHER_CONFIG. */
export function buildSanctionsIndex(
  snapshot: SanctionsSnapshot,
  config: Partial<MatcherConfig> = {},
): SanctionsIndex {
  return new SanctionsIndex(snapshot, config);
}
