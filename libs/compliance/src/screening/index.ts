/**
 * OFAC sanctions screening, pure and database-free: parse OFAC's legacy SDN CSV files into a
 * versioned snapshot, build an in-memory index over every name and alias, and screen names
 * against it with a token-by-token Jaro-Winkler matcher. Record MATCHER_VERSION and the index's
 * `config` (plus the snapshot version) with every screening decision.
 */
export { parseOfacSnapshot, computeSnapshotVersion, splitPrograms, OFAC_FILE_NAMES } from './ofac-csv.parser';
export type { OfacFileSet } from './ofac-csv.parser';
export { loadOfacSnapshot, readOfacFiles } from './ofac-snapshot.loader';
export { parseBirthDate } from './ofac-remarks';
export type { BirthDateRange } from './ofac-remarks';
export {
  SanctionsImportError,
  ScreeningQueryError,
  SANCTIONS_FILE_MALFORMED,
  SANCTIONS_FILE_MISSING,
  SCREENING_QUERY_INVALID,
} from './sanctions.errors';
export type { SanctionsImportErrorCode } from './sanctions.errors';
export type {
  AliasType,
  ImportWarning,
  SanctionedEntityType,
  SanctionsAddress,
  SanctionsAlias,
  SanctionsEntry,
  SanctionsSnapshot,
  VesselDetails,
} from './sanctions.types';
export { normalizeName, nameVariants } from './name-normalizer';
export type { NormalizeOptions } from './name-normalizer';
export { jaro, jaroWinkler, JARO_WINKLER } from './jaro-winkler';
export { countryKey } from './countries';
export { MATCHER_VERSION, DEFAULT_MATCHER_CONFIG, scoreNameTokens, tokenSimilarity } from './name-matcher';
export type { MatcherConfig, SanctionsQuery, SanctionsHit, TokenScore } from './name-matcher';
export { SanctionsIndex, buildSanctionsIndex } from './sanctions-index';
