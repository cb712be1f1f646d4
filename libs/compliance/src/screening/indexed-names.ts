import { scoreNameTokens } from './name-matcher';
import type { MatcherConfig, TokenScore } from './name-matcher';

/**
 * The names of a sanctions index in flat typed arrays: a vocabulary of distinct tokens, each
 * name as a run of token ids with their weights, and postings from token to names.
 * Filled with add(), then frozen into arrays by seal().
 */
export class IndexedNames {
  readonly vocabulary: string[] = [];
  readonly vocabularyIds = new Map<string, number>();
  postings: Int32Array[] = [];
  tokenStart = new Int32Array(0);
  tokenIds = new Int32Array(0);
  tokenWeights = new Float64Array(0);
  entry = new Int32Array(0);
  isAlias = new Uint8Array(0);
  readonly display: string[] = [];

  private readonly building = {
    tokens: [] as number[][],
    weights: [] as number[][],
    entry: [] as number[],
    alias: [] as boolean[],
    seen: new Set<string>(),
  };

  get count(): number {
    return this.display.length;
  }

  /** Adds one name of entry `entryIndex`; a repeat of the same tokens for that entry is skipped. */
  add(entryIndex: number, display: string, tokens: string[], weights: number[], alias: boolean): void {
    if (tokens.length === 0) return;
    const key = `${entryIndex}|${tokens.join(' ')}`;
    if (this.building.seen.has(key)) return;
    this.building.seen.add(key);
    this.building.tokens.push(tokens.map((t) => this.tokenId(t)));
    this.building.weights.push(weights);
    this.building.entry.push(entryIndex);
    this.building.alias.push(alias);
    this.display.push(display);
  }

  seal(): void {
    const { tokens, weights, entry, alias } = this.building;
    const total = tokens.reduce((sum, t) => sum + t.length, 0);
    this.tokenStart = new Int32Array(tokens.length + 1);
    this.tokenIds = new Int32Array(total);
    this.tokenWeights = new Float64Array(total);
    const postings: number[][] = this.vocabulary.map(() => []);
    let at = 0;
    tokens.forEach((ids, nameId) => {
      this.tokenStart[nameId] = at;
      ids.forEach((id, k) => {
        this.tokenIds[at] = id;
        this.tokenWeights[at++] = weights[nameId][k];
        const list = postings[id];
        if (list[list.length - 1] !== nameId) list.push(nameId);
      });
    });
    this.tokenStart[tokens.length] = at;
    this.postings = postings.map((p) => Int32Array.from(p));
    this.entry = Int32Array.from(entry);
    this.isAlias = Uint8Array.from(alias, (a) => (a ? 1 : 0));

    this.building.tokens = [];
    this.building.weights = [];
    this.building.seen.clear();
  }

  /** The token pairing behind a name's score, for a hit's breakdown. */
  explain(nameId: number, queryTokens: string[], config: MatcherConfig): TokenScore[] {
    const from = this.tokenStart[nameId];
    const to = this.tokenStart[nameId + 1];
    const candidate = Array.from(this.tokenIds.subarray(from, to), (id) => this.vocabulary[id]);
    const weights = Array.from(this.tokenWeights.subarray(from, to));
    return scoreNameTokens(queryTokens, candidate, config, weights).tokenScores;
  }

  private tokenId(token: string): number {
    let id = this.vocabularyIds.get(token);
    if (id === undefined) {
      id = this.vocabulary.length;
      this.vocabulary.push(token);
      this.vocabularyIds.set(token, id);
    }
    return id;
  }
}
