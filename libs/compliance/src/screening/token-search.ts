import { BIGRAM_ALPHABET, bigramGate, bigramsOf, lengthAwareSimilarity } from './name-matcher';
import type { MatcherConfig } from './name-matcher';

const SYMBOLS = 36;

function symbolOf(code: number): number {
  return code >= 65 ? code - 65 : code - 48 + 26;
}

/**
 * Finds the vocabulary tokens similar to a query token (tokenSimilarity above 0) without
 * comparing it with all of them. tokenSimilarity admits only tokens sharing `gate` of the query
 * token's G distinct bigrams, so each must hold one of any G - gate + 1 of those bigrams: only
 * the postings of the rarest ones are walked (the common "AL", "AN" lists are skipped), and the
 * shared count is then checked exactly. Pairs whose letters in common already bound
 * Jaro-Winkler below the floor are skipped too. A few dozen full comparisons remain per token.
 */
export class TokenSearch {
  private readonly bigramPostings: Int32Array[];
  // Per vocabulary token: its distinct bigrams (flat, from gramStart) and letter counts.
  private readonly gramStart: Int32Array;
  private readonly grams: Int16Array;
  private readonly letterCounts: Uint16Array;
  // Scratch, reused by every search.
  private readonly seen: Uint32Array;
  private readonly touched: Int32Array;
  private readonly queryGrams = new Uint32Array(BIGRAM_ALPHABET * BIGRAM_ALPHABET);
  private readonly queryCounts = new Uint16Array(SYMBOLS);
  private readonly querySymbols = new Int32Array(SYMBOLS);
  private stamp = 0;

  constructor(
    private readonly vocabulary: readonly string[],
    private readonly ids: ReadonlyMap<string, number>,
  ) {
    const postings: number[][] = Array.from({ length: BIGRAM_ALPHABET * BIGRAM_ALPHABET }, () => []);
    const all = vocabulary.map(bigramsOf);
    this.gramStart = new Int32Array(vocabulary.length + 1);
    this.grams = new Int16Array(all.reduce((n, g) => n + g.length, 0));
    this.letterCounts = new Uint16Array(vocabulary.length * SYMBOLS);
    let at = 0;
    all.forEach((grams, id) => {
      this.gramStart[id] = at;
      for (const g of grams) {
        postings[g].push(id);
        this.grams[at++] = g;
      }
      const token = vocabulary[id];
      for (let k = 0; k < token.length; k++)
        this.letterCounts[id * SYMBOLS + symbolOf(token.charCodeAt(k))]++;
    });
    this.gramStart[vocabulary.length] = at;
    this.bigramPostings = postings.map((p) => Int32Array.from(p));
    this.seen = new Uint32Array(vocabulary.length);
    this.touched = new Int32Array(vocabulary.length);
  }

  /** Writes the similarity of each similar vocabulary token into `row` (by id); returns their ids. */
  similar(token: string, row: Float64Array, config: MatcherConfig): number[] {
    const found: number[] = [];
    const exact = this.ids.get(token);
    if (exact !== undefined) {
      row[exact] = 1;
      found.push(exact);
    }
    if (token.length <= config.exactOnlyMaxLength) return found;
    const stamp = ++this.stamp;
    const grams = bigramsOf(token);
    const gate = bigramGate(token, grams.length);
    for (const g of grams) this.queryGrams[g] = stamp;
    grams.sort((a, b) => this.bigramPostings[a].length - this.bigramPostings[b].length);
    let touchedCount = 0;
    for (let k = 0; k <= grams.length - gate; k++) {
      const list = this.bigramPostings[grams[k]];
      for (let p = 0; p < list.length; p++) {
        const v = list[p];
        if (this.seen[v] !== stamp) {
          this.seen[v] = stamp;
          this.touched[touchedCount++] = v;
        }
      }
    }
    const symbols = this.countLetters(token);
    for (let t = 0; t < touchedCount; t++) {
      const v = this.touched[t];
      if (v === exact) continue;
      const candidate = this.vocabulary[v];
      if (candidate.length <= config.exactOnlyMaxLength) continue;
      let shared = 0;
      for (let k = this.gramStart[v]; k < this.gramStart[v + 1]; k++)
        if (this.queryGrams[this.grams[k]] === stamp) shared++;
      if (shared < gate) continue;
      if (upperBound(token, candidate, this.commonLetters(v, symbols), config) < config.tokenFloor) continue;
      const s = lengthAwareSimilarity(token, candidate, config);
      if (s > 0) {
        row[v] = s;
        found.push(v);
      }
    }
    return found;
  }

  // Counts the query token's letters; returns how many distinct ones it has.
  private countLetters(token: string): number {
    this.queryCounts.fill(0);
    let symbols = 0;
    for (let k = 0; k < token.length; k++) {
      const c = symbolOf(token.charCodeAt(k));
      if (this.queryCounts[c]++ === 0) this.querySymbols[symbols++] = c;
    }
    return symbols;
  }

  // Letters the query token and vocabulary token v have in common, with repeats.
  private commonLetters(v: number, symbols: number): number {
    let common = 0;
    for (let k = 0; k < symbols; k++) {
      const c = this.querySymbols[k];
      const q = this.queryCounts[c];
      const x = this.letterCounts[v * SYMBOLS + c];
      common += q < x ? q : x;
    }
    return common;
  }
}

// Jaro counts at most `common` matching characters (the letters both tokens share), so
// (common/la + common/lb + 1) / 3 bounds it; the prefix bonus and length factor then apply as in
// lengthAwareSimilarity. A bound below the floor means the full comparison cannot succeed.
function upperBound(a: string, b: string, common: number, config: MatcherConfig): number {
  const la = a.length;
  const lb = b.length;
  if (common === 0) return 0;
  const j = Math.min(1, (common / la + common / lb + 1) / 3);
  let prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  const jw = j > 0.7 ? j + prefix * 0.1 * (1 - j) : j;
  const longer = la > lb ? la : lb;
  return jw * (1 - (config.lengthPenalty * Math.abs(la - lb)) / longer);
}
