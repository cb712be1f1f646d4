// The shape of a parsed sanctions list. Plain data: it is built once per list publication and
// shared read-only by the screening index.

export type SanctionedEntityType = 'person' | 'business' | 'vessel' | 'aircraft';

/** OFAC's alias kinds: also known as, formerly known as, now known as. */
export type AliasType = 'aka' | 'fka' | 'nka';

export type SanctionsAlias = { name: string; type: AliasType };

export type SanctionsAddress = {
  address: string | null;
  cityStateZip: string | null;
  country: string | null;
  remarks: string | null;
};

export type VesselDetails = {
  callSign: string | null;
  vesselType: string | null;
  tonnage: string | null;
  grossRegisteredTonnage: string | null;
  flag: string | null;
  owner: string | null;
};

export type SanctionsEntry = {
  /** OFAC's ent_num, as a string so that other lists' identifiers fit the same field. */
  uid: string;
  name: string;
  entityType: SanctionedEntityType;
  programs: string[];
  title: string | null;
  /** The full remarks, with any overflow from sdn_comments.csv appended. */
  remarks: string | null;
  aliases: SanctionsAlias[];
  /** "a.k.a. 'X'" written in the remarks: OFAC's low-quality (weak) aliases, not in alt.csv. */
  weakAliases: string[];
  addresses: SanctionsAddress[];
  /** As written after "DOB" in the remarks, e.g. "12 Mar 1961", "circa 1961", "1961 to 1963". */
  datesOfBirth: string[];
  placesOfBirth: string[];
  /** From "nationality X" and "citizen X" in the remarks. */
  nationalities: string[];
  /** Every country tied to the entry: addresses, nationalities, citizenships, birth places, flags. */
  countries: string[];
  vessel: VesselDetails | null;
};

export type ImportWarning = { file: string; line: number; message: string };

export type SanctionsSnapshot = {
  source: 'OFAC-SDN';
  entries: SanctionsEntry[];
  counts: { entries: number; aliases: number; addresses: number };
  /** Tolerated oddities (see the parser for which ones are fatal instead). */
  warnings: ImportWarning[];
};
