import type { SanctionedEntityType } from './sanctions.types';
import { toLatin } from './transliteration';

// Legal-form words carry no identity: "ACME TRADING LTD" and "Acme Trading Limited" are one
// company. They are dropped wherever they stand, because Russian forms (OOO, ZAO) lead.
// Ambiguous short forms (AO, AS, AB, SE) are left out: they are also name parts.
const LEGAL_FORMS = new Set(
  (
    'LTD LIMITED LLC LC INC INCORPORATED CORP CORPORATION CO COMPANY PLC LLP LP SA SAS SARL SRL SPA ' +
    'GMBH AG KG BV NV OY OYJ APS JSC OJSC CJSC PJSC OAO ZAO OOO PAO TOO TOV PTE PVT PTY BHD SDN ' +
    'FZE FZCO FZC FZ LTDA CIA SAC SAA EIRL SL SLU KFT ZRT DOO EOOD OOD CV'
  ).split(' '),
);

// Multi-word legal forms, removed only at the end of a name: "S.A. DE C.V.", "S. DE R.L.".
const LEGAL_FORM_TAILS = [
  ['S', 'DE', 'RL', 'DE', 'CV'],
  ['SAPI', 'DE', 'CV'],
  ['SAB', 'DE', 'CV'],
  ['SA', 'DE', 'CV'],
  ['S', 'DE', 'RL'],
  ['S', 'EN', 'C'],
];

// Titles and honorifics are not part of a name and are written inconsistently.
const HONORIFICS = new Set(
  (
    'MR MRS MS MISS MSTR DR PROF SIR DAME LORD SHEIKH SHEIK SHAIKH SHAYKH SHEIKHA HAJI HAJJI HADJI ' +
    'MULLAH MULLA MAWLAWI MAULAWI MAULVI MAULANA'
  ).split(' '),
);

// "&" and "AND" join company names ("SMITH & SONS") and are written either way.
const CONNECTORS = new Set(['AND']);

export type NormalizeOptions = {
  /** When 'person', legal forms are kept and "LAST, First" is put in reading order. */
  entityType?: SanctionedEntityType;
  /** Hyphenated parts become one token ("ABD-AL-RAHMAN" -> "ABDALRAHMAN") instead of several. */
  joinHyphens?: boolean;
};

function toLatinUpper(name: string): string {
  return toLatin(name.toLowerCase()).toUpperCase();
}

function stripLegalForms(tokens: string[]): string[] {
  let out = tokens;
  for (let changed = true; changed;) {
    changed = false;
    for (const tail of LEGAL_FORM_TAILS) {
      const at = out.length - tail.length;
      if (at > 0 && tail.every((t, k) => out[at + k] === t)) {
        out = out.slice(0, at);
        changed = true;
      }
    }
  }
  return out.filter((t) => !LEGAL_FORMS.has(t));
}

/**
 * Normalises a name into comparable tokens: upper-case Latin letters and digits only, with
 * diacritics removed, Cyrillic and Greek romanised, apostrophes and dots dropped ("O'NEIL" ->
 * "ONEIL", "S.A." -> "SA"), other punctuation splitting words, and honorifics, "AND" and (except
 * for persons) legal forms removed. Removal never empties a name: if nothing would be left, the
 * tokens stay. OFAC writes persons "LASTNAME, Firstname Middle"; for persons the part after the
 * first comma is moved to the front, which matters only for display since matching is order-free.
 */
export function normalizeName(name: string, options: NormalizeOptions = {}): string[] {
  let text = name;
  const comma = text.indexOf(',');
  if (options.entityType === 'person' && comma > 0) {
    text = `${text.slice(comma + 1)} ${text.slice(0, comma)}`;
  }
  let s = toLatinUpper(text.replace(/['`\u2018\u2019\u02bb\u02bc\u02be\u02bf\u00b4.]/g, ''));
  if (options.joinHyphens) s = s.replace(/-/g, '');
  const tokens = s.split(/[^A-Z0-9]+/).filter((t) => t.length > 0);
  let kept = tokens.filter((t) => !HONORIFICS.has(t) && !CONNECTORS.has(t));
  if (options.entityType !== 'person') kept = stripLegalForms(kept);
  return kept.length > 0 ? kept : tokens;
}

/**
 * The token lists a name is indexed and queried under: the plain one and, when the name has
 * hyphens, the one with hyphenated parts joined, since "AL-QAIDA" is also written "ALQAIDA".
 */
export function nameVariants(name: string, options: NormalizeOptions = {}): string[][] {
  const plain = normalizeName(name, options);
  if (!name.includes('-')) return [plain];
  const joined = normalizeName(name, { ...options, joinHyphens: true });
  return joined.join(' ') === plain.join(' ') ? [plain] : [plain, joined];
}
