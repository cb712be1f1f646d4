// OFAC packs identifying details into the free-text Remarks column as "; "-separated
// "Label value" segments: "DOB 12 Mar 1961; POB Tehran, Iran; nationality Iran; a.k.a. 'X'."

export type RemarkFacts = {
  datesOfBirth: string[];
  placesOfBirth: string[];
  nationalities: string[];
  registrationCountries: string[];
  weakAliases: string[];
};

/** A date of birth as a span of possible dates; `circa` widens the year match when screening. */
export type BirthDateRange = {
  fromYear: number;
  toYear: number;
  /** Set only when the text gives one exact day (not for ranges). */
  exact: { year: number; month: number; day: number } | null;
  circa: boolean;
};

const SEGMENT = {
  dob: /^(?:alt\. )?DOB (.+)$/,
  pob: /^(?:alt\. )?POB (.+)$/,
  nationality: /^(?:alt\. )?(?:nationality|citizen) (.+)$/i,
  registration: /^Nationality of Registration (.+)$/,
  weakAlias: /^a\.k\.a\. '(.+)'$/,
};

function pushUnique(list: string[], value: string): void {
  if (value && !list.includes(value)) list.push(value);
}

export function extractRemarkFacts(remarks: string | null): RemarkFacts {
  const facts: RemarkFacts = {
    datesOfBirth: [],
    placesOfBirth: [],
    nationalities: [],
    registrationCountries: [],
    weakAliases: [],
  };
  if (!remarks) return facts;
  for (const raw of remarks.split(';')) {
    // Each segment may carry the sentence's closing period ("DOB 1961.").
    const segment = raw.trim().replace(/\.$/, '');
    let m: RegExpExecArray | null;
    if ((m = SEGMENT.dob.exec(segment))) pushUnique(facts.datesOfBirth, m[1].trim());
    else if ((m = SEGMENT.pob.exec(segment))) pushUnique(facts.placesOfBirth, m[1].trim());
    else if ((m = SEGMENT.registration.exec(segment))) pushUnique(facts.registrationCountries, m[1].trim());
    else if ((m = SEGMENT.nationality.exec(segment))) pushUnique(facts.nationalities, m[1].trim());
    else if ((m = SEGMENT.weakAlias.exec(segment))) pushUnique(facts.weakAliases, m[1].trim());
  }
  return facts;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

type DatePart = { year: number; month: number | null; day: number | null };

function parseDatePart(text: string): DatePart | null {
  const m = /^(?:(\d{1,2}) )?(?:([A-Za-z]{3})[a-z]* )?(\d{4})$/.exec(text.trim());
  if (!m) return null;
  const month = m[2] ? MONTHS.indexOf(m[2].toUpperCase()) + 1 : null;
  if (month === 0) return null;
  // A day without a month ("12 1961") is not a date OFAC writes.
  if (m[1] && !month) return null;
  return { year: Number(m[3]), month, day: m[1] ? Number(m[1]) : null };
}

/**
 * Reads one OFAC date-of-birth text: "12 Mar 1961", "Mar 1961", "1961", "circa 1961",
 * "1961 to 1963", "12 Mar 1961 to 15 Apr 1962", "circa 1979-1982". Unknown shapes give null.
 */
export function parseBirthDate(text: string): BirthDateRange | null {
  let rest = text.trim().replace(/\.$/, '');
  const circa = /^circa /i.test(rest);
  if (circa) rest = rest.slice(6);
  const range = /^(.+?)\s*(?: to |-)\s*(.+)$/.exec(rest);
  if (range) {
    const from = parseDatePart(range[1]);
    const to = parseDatePart(range[2]);
    if (!from || !to || to.year < from.year) return null;
    return { fromYear: from.year, toYear: to.year, exact: null, circa };
  }
  const part = parseDatePart(rest);
  if (!part) return null;
  const exact =
    part.month && part.day && !circa ? { year: part.year, month: part.month, day: part.day } : null;
  return { fromYear: part.year, toYear: part.year, exact, circa };
}
