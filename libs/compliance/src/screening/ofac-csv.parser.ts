import { createHash } from 'node:crypto';
import { decodeListFile, nullable, readCsvRecords } from './csv-records';
import type { CsvRecord } from './csv-records';
import { isKnownCountry } from './countries';
import { extractRemarkFacts } from './ofac-remarks';
import { SANCTIONS_FILE_MALFORMED, SanctionsImportError } from './sanctions.errors';
import type {
  AliasType,
  ImportWarning,
  SanctionedEntityType,
  SanctionsEntry,
  SanctionsSnapshot,
  VesselDetails,
} from './sanctions.types';

/** The four files of OFAC's legacy SDN CSV publication, in the order the version hashes them. */
export const OFAC_FILE_NAMES = {
  sdn: 'sdn.csv',
  alt: 'alt.csv',
  add: 'add.csv',
  comments: 'sdn_comments.csv',
} as const;

export type OfacFileSet = {
  sdn: string | Uint8Array;
  alt: string | Uint8Array;
  add: string | Uint8Array;
  comments: string | Uint8Array;
};

const COLUMNS = { sdn: 12, alt: 5, add: 6, comments: 2 } as const;
const ALIAS_TYPES: readonly AliasType[] = ['aka', 'fka', 'nka'];

function malformed(file: string, line: number, reason: string): never {
  throw new SanctionsImportError(SANCTIONS_FILE_MALFORMED, file, line, reason);
}

function recordsOf(input: string | Uint8Array, key: keyof typeof COLUMNS): CsvRecord[] {
  const file = OFAC_FILE_NAMES[key];
  const records = readCsvRecords(decodeListFile(input), file);
  for (const r of records) {
    if (r.fields.length !== COLUMNS[key]) {
      malformed(file, r.line, `expected ${COLUMNS[key]} columns, found ${r.fields.length}`);
    }
  }
  return records;
}

function entNum(value: string, file: string, line: number, column = 'ent_num'): string {
  // Leading zeros would make "0123" and "123" two ids for one entry.
  if (!/^[1-9]\d*$/.test(value)) malformed(file, line, `${column} "${value}" is not a positive integer`);
  return value;
}

function entityTypeOf(value: string | null, line: number): SanctionedEntityType {
  // OFAC leaves SDN_Type empty for companies, organisations and other non-persons.
  if (value === null) return 'business';
  switch (value.toLowerCase()) {
    case 'individual':
      return 'person';
    case 'vessel':
      return 'vessel';
    case 'aircraft':
      return 'aircraft';
    default:
      return malformed(OFAC_FILE_NAMES.sdn, line, `unknown SDN_Type "${value}"`);
  }
}

/** "SDGT] [IRGC", "[SDGT] [IFSR]" and "CUBA" all name programs; OFAC drops the outer brackets. */
export function splitPrograms(value: string | null): string[] {
  if (!value) return [];
  return value
    .split(/\]\s*\[/)
    .map((p) => p.replace(/^[\s[]+|[\s\]]+$/g, ''))
    .filter((p) => p.length > 0);
}

function vesselOf(f: (string | null)[]): VesselDetails | null {
  const [callSign, vesselType, tonnage, grossRegisteredTonnage, flag, owner] = f;
  if (f.every((v) => v === null)) return null;
  return { callSign, vesselType, tonnage, grossRegisteredTonnage, flag, owner };
}

/**
 * Parses OFAC's legacy CSV files (no header rows) into a snapshot. Fatal, because a partial
 * or misread list would screen silently wrong: a wrong column count, an unterminated or stray
 * quote, a non-numeric or duplicate ent_num, an empty name, an unknown SDN_Type or alias type,
 * and an alias or address whose entry is missing (alt/add from another publication than sdn).
 * Tolerated with a warning: a remarks overflow (sdn_comments.csv) for a missing entry, which the
 * real publication contains.
 */
export function parseOfacSnapshot(files: OfacFileSet): SanctionsSnapshot {
  const warnings: ImportWarning[] = [];
  const entries: SanctionsEntry[] = [];
  const byId = new Map<string, SanctionsEntry>();

  for (const { line, fields } of recordsOf(files.sdn, 'sdn')) {
    const file = OFAC_FILE_NAMES.sdn;
    const uid = entNum(fields[0], file, line);
    if (byId.has(uid)) malformed(file, line, `duplicate ent_num ${uid}`);
    const f = fields.map(nullable);
    const name = f[1] ?? malformed(file, line, `entry ${uid} has no name`);
    const entry: SanctionsEntry = {
      uid,
      name,
      entityType: entityTypeOf(f[2], line),
      programs: splitPrograms(f[3]),
      title: f[4],
      remarks: f[11],
      aliases: [],
      weakAliases: [],
      addresses: [],
      datesOfBirth: [],
      placesOfBirth: [],
      nationalities: [],
      countries: [],
      vessel: vesselOf(f.slice(5, 11)),
    };
    byId.set(uid, entry);
    entries.push(entry);
  }

  // Remarks longer than OFAC's 1,000-character column continue in sdn_comments.csv, cut
  // mid-word, so the overflow is appended without a separator.
  for (const { line, fields } of recordsOf(files.comments, 'comments')) {
    const file = OFAC_FILE_NAMES.comments;
    const entry = byId.get(entNum(fields[0], file, line));
    const overflow = nullable(fields[1]);
    if (!entry)
      warnings.push({ file, line, message: `remarks overflow for missing entry ${fields[0]} ignored` });
    else if (overflow) entry.remarks = (entry.remarks ?? '') + overflow;
  }

  let aliases = 0;
  for (const { line, fields } of recordsOf(files.alt, 'alt')) {
    const file = OFAC_FILE_NAMES.alt;
    const uid = entNum(fields[0], file, line);
    entNum(fields[1], file, line, 'alt_num');
    const entry = byId.get(uid) ?? malformed(file, line, `alias of missing entry ${uid}`);
    const type = (nullable(fields[2]) ?? '').toLowerCase() as AliasType;
    if (!ALIAS_TYPES.includes(type)) malformed(file, line, `unknown alt_type "${fields[2]}"`);
    const name = nullable(fields[3]) ?? malformed(file, line, `alias of entry ${uid} has no name`);
    entry.aliases.push({ name, type });
    aliases++;
  }

  let addresses = 0;
  for (const { line, fields } of recordsOf(files.add, 'add')) {
    const file = OFAC_FILE_NAMES.add;
    const uid = entNum(fields[0], file, line);
    entNum(fields[1], file, line, 'add_num');
    const entry = byId.get(uid) ?? malformed(file, line, `address of missing entry ${uid}`);
    const [, , address, cityStateZip, country, remarks] = fields.map(nullable);
    entry.addresses.push({ address, cityStateZip, country, remarks });
    addresses++;
  }

  for (const entry of entries) withRemarkFacts(entry);
  return { source: 'OFAC-SDN', entries, counts: { entries: entries.length, aliases, addresses }, warnings };
}

function withRemarkFacts(entry: SanctionsEntry): void {
  const facts = extractRemarkFacts(entry.remarks);
  entry.datesOfBirth = facts.datesOfBirth;
  entry.placesOfBirth = facts.placesOfBirth;
  entry.nationalities = facts.nationalities;
  entry.weakAliases = facts.weakAliases;
  const countries = new Set<string>();
  for (const a of entry.addresses) if (a.country) countries.add(a.country);
  for (const c of [...facts.nationalities, ...facts.registrationCountries]) countries.add(c);
  // "POB Leningrad, Russia": the country is the last comma-separated part, when it is one.
  for (const p of facts.placesOfBirth) {
    const last = p.split(',').pop()!.trim();
    if (isKnownCountry(last)) countries.add(last);
  }
  if (entry.vessel?.flag) countries.add(entry.vessel.flag);
  entry.countries = [...countries].filter((c) => c.length > 0);
}

/**
 * The snapshot's version: SHA-256 (hex) over each file's name, byte length and bytes, in the
 * fixed order sdn, alt, add, comments. Pass the files' raw bytes; strings are hashed as UTF-8.
 */
export function computeSnapshotVersion(files: OfacFileSet): string {
  const hash = createHash('sha256');
  for (const key of ['sdn', 'alt', 'add', 'comments'] as const) {
    const input = files[key];
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    hash.update(`${OFAC_FILE_NAMES[key]}\0${bytes.byteLength}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
