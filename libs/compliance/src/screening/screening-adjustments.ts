import { countryKey } from './countries';
import type { MatcherConfig } from './name-matcher';
import type { BirthDateRange } from './ofac-remarks';
import type { SanctionedEntityType } from './sanctions.types';

/** What the adjustments need to know about a list entry, prepared once when the index is built. */
export type EntryFacts = {
  entityType: SanctionedEntityType;
  birthDates: BirthDateRange[];
  countryKeys: ReadonlySet<string>;
};

export type QueryDate = { year: number; month: number | null; day: number | null };

/** 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'; anything else is not a usable date of birth. */
export function parseQueryDate(value: string): QueryDate | null {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value.trim());
  if (!m) return null;
  const month = m[2] ? Number(m[2]) : null;
  const day = m[3] ? Number(m[3]) : null;
  if ((month !== null && (month < 1 || month > 12)) || (day !== null && (day < 1 || day > 31))) return null;
  return { year: Number(m[1]), month, day };
}

/**
 * Dates of birth tell persons apart: the same date raises the score, the same year (or a year
 * in the listed range, widened for "circa") raises it less, the same year with another full date
 * changes nothing (likely a typo on one side), and a year outside every listed date lowers it.
 * Entries without a date, and non-persons, are not adjusted.
 */
export function dobAdjustment(query: QueryDate | null, facts: EntryFacts, config: MatcherConfig): number {
  if (!query || facts.entityType !== 'person' || facts.birthDates.length === 0) return 0;
  let best = config.dob.mismatch;
  for (const d of facts.birthDates) {
    const tolerance = d.circa ? config.dob.circaToleranceYears : 0;
    if (query.year < d.fromYear - tolerance || query.year > d.toYear + tolerance) continue;
    if (d.exact && query.day !== null) {
      const same = d.exact.year === query.year && d.exact.month === query.month && d.exact.day === query.day;
      best = Math.max(best, same ? config.dob.exactDate : 0);
    } else {
      best = Math.max(best, config.dob.sameYear);
    }
  }
  return best;
}

/**
 * A country among the entry's addresses, nationalities, birth places or flags raises the score
 * slightly; an entry whose known countries all differ is lowered slightly (people move, and
 * addresses on the list are often old). Entries without a country are not adjusted.
 */
export function countryAdjustment(
  queryCountry: string | undefined,
  facts: EntryFacts,
  config: MatcherConfig,
): number {
  if (!queryCountry || facts.countryKeys.size === 0) return 0;
  return facts.countryKeys.has(countryKey(queryCountry)) ? config.country.match : config.country.mismatch;
}

/** A person is not a company or a ship: a different entity type lowers the score strongly. */
export function entityTypeAdjustment(
  queryType: SanctionedEntityType | undefined,
  facts: EntryFacts,
  config: MatcherConfig,
): number {
  return queryType && queryType !== facts.entityType ? config.entityTypeMismatch : 0;
}
