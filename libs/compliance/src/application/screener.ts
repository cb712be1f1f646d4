/** A sanctions screening answer, as recorded with a compliance decision. */
export type ScreeningQuery = { name: string; entityType?: 'person' | 'business' | 'vessel' | 'aircraft'; dateOfBirth?: string; country?: string; minScore?: number; limit?: number };

export type ScreeningMatch = { entryId: string; name: string; matchedName: string; entityType: string; programs: string[]; score: number; breakdown: unknown };

export type ScreeningResult = { listVersion: string; matcherVersion: string; matcherConfig: Record<string, unknown>; matches: ScreeningMatch[] };

/** Screens a subject against the active sanctions snapshot. */
export interface Screener {
  screen(query: ScreeningQuery): Promise<ScreeningResult>;
}

export const SCREENER = Symbol('SCREENER');
