import path from 'node:path';
import type { ScreeningMatch } from '../application/screener';
import { DEFAULT_MATCHER_CONFIG, MATCHER_VERSION, candidateWeights, scoreNameTokens } from './name-matcher';
import { nameVariants } from './name-normalizer';
import type { SanctionsQuery } from './name-matcher';
import { loadOfacSnapshot } from './ofac-snapshot.loader';
import { buildSanctionsIndex } from './sanctions-index';
import type { SanctionsIndex } from './sanctions-index';
import { ScreeningQueryError } from './sanctions.errors';
import type { SanctionedEntityType, SanctionsSnapshot } from './sanctions.types';

// The real OFAC snapshot vendored in data/ (override with OFAC_SNAPSHOT_DIR).
const OFAC_DIR =
  process.env.OFAC_SNAPSHOT_DIR ?? path.resolve(__dirname, '../../../../data/sanctions/ofac');

let snapshot: SanctionsSnapshot;
let index: SanctionsIndex;

beforeAll(async () => {
  snapshot = (await loadOfacSnapshot(OFAC_DIR)).snapshot;
  index = buildSanctionsIndex(snapshot);
});

// Rows have a fixed length: jest passes a `done` callback to a test with more parameters.
type Case = [string, string, string, SanctionedEntityType | null];

// Every expectation was checked against the shared snapshot's CSV (ent_num in the second column).
const POSITIVES: Case[] = [
  // Other order, partial names, patronymics left out
  ['other order', 'Nicolas Maduro Moros', '22790', null],
  ['first name and first surname only', 'Nicolas Maduro', '22790', null],
  ['given name before family name', 'Kim Jong Un', '20157', null],
  ['patronymic left out', 'Oleg Deripaska', '24283', null],
  ['patronymic kept, other order', 'Oleg Vladimirovich Deripaska', '24283', null],
  ['patronymic left out', 'Yevgeniy Prigozhin', '21171', null],
  ['patronymic left out', 'Alexander Malkevich', '26235', null],
  ['patronymic left out', 'Anton Nagibin', '24834', null],
  ['surname first without comma', 'SECHIN Igor', '16692', null],
  ['patronymic left out', 'Viktor Vekselberg', '24306', null],
  ['long name in other order', 'Usama bin Muhammad bin Awad bin Ladin', '6365', null],
  ['particles in reading order', 'Juan de la Cruz', '587', null],
  ['two surnames, other order', 'Ismael Zambada Garcia', '7226', null],
  // Typos
  ['one typo', 'Ismael Zambadda Garcia', '7226', null],
  ['one typo', 'Ayman Al Zawahri', '2676', null],
  ['two typos in two names', 'Qassem Suleimani', '10481', null],
  ['one typo in the surname', 'Hassan Nasrallah', '2686', null],
  ['one typo, other order', 'Deripaska Olge', '24283', null],
  ['transposed letters', 'Viktor Vekselbreg', '24306', null],
  // Punctuation and diacritics
  ['without punctuation', 'MADURO MOROS NICOLAS', '22790', null],
  ['hyphen left out', 'Ayman al Zawahiri', '2676', null],
  ['with diacritics', 'Nicolás Maduro Moros', '22790', null],
  ['with diacritics', 'Joaquín Guzmán Loera', '6861', null],
  ['in Cyrillic', 'Александр Малькевич', '26235', null],
  ['in Cyrillic, other order', 'Дерипаска Олег', '24283', null],
  // Through aliases
  ['alias', 'Osama bin Laden', '6365', null],
  ['alias', 'Evgeny Prigozhin', '21171', null],
  ['alias', 'Chapo Guzman', '6861', null],
  ['alias with another transliteration', 'Ghasem Soleymani', '10481', null],
  ['alias in German transliteration, one typo', 'Ramsan Kadyrow', '23343', null],
  ['alias', 'Fahmi Bin Khalifa', '23194', null],
  ['alias', 'Party of God', '4697', null],
  ['alias', 'Islamic Resistance Movement', '4695', null],
  ['alias of a bank', 'National Bank of Cuba', '306', null],
  ['alias of a bank', 'National Bank of Iran', '25578', null],
  ['alias, hyphen joined', 'Alshabab', '10761', null],
  ['alias, hyphen split', 'Aero Caribbean', '36', null],
  // Businesses with and without legal forms
  ['exact', 'Hamas', '4695', null],
  ['exact', 'Hizballah', '4697', null],
  ['hyphen left out', 'Al Shabaab', '10761', null],
  ['added legal form', 'Banco Nacional de Cuba S.A.', '306', null],
  ['other legal form', 'Evro Polis LLC', '23564', null],
  ['Russian legal form in front', 'OOO Evro Polis', '23564', null],
  ['legal form spelled out', 'Anglo Caribbean Company Limited', '173', null],
  ['legal form left out', 'Global Trading Group', '24390', null],
  ['legal form with dots', 'Global Trading Group N.V.', '24390', null],
  ['legal form left out', 'Twelfth Ocean', '25464', null],
  ['legal form added', 'Mahan Air Company', '12927', null],
  ['legal form left out', 'Cimex', '537', null],
  ['other order', 'Iran Bank Melli', '25578', null],
  ['vessel', 'Marshal Zhukov', '21115', 'vessel'],
];

describe('sanctions screening on the shared OFAC snapshot', () => {
  it('has at least 40 positive cases', () => {
    expect(POSITIVES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(POSITIVES)('finds %s: "%s" -> %s', (_case, name, uid, entityType) => {
    const hits = index.screen({ name, entityType: entityType ?? undefined });
    const hit = hits.find((h) => h.entryId === uid);
    expect(hit).toBeDefined();
    expect(hit!.score).toBeGreaterThanOrEqual(DEFAULT_MATCHER_CONFIG.defaultMinScore);
  });

  it.each([
    'John Smith',
    'Maria Garcia',
    'Acme Trading',
    'Acme Trading Ltd',
    'Peter Muller',
    'Jennifer Lopez',
    'Wei Chen',
    'Sarah Johnson',
    'Green Valley Foods',
    'Northwind Logistics GmbH',
    // A single common name shared with many entries is not a match for any of them.
    'Mohammed',
    'Garcia',
    'Hezbollah Street Bakery',
  ])('finds nothing above the threshold for "%s"', (name) => {
    expect(index.screen({ name })).toEqual([]);
  });

  it('scores a partial match of one common token low', () => {
    const [best] = index.screen({ name: 'Garcia', minScore: 0 });
    expect(best.score).toBeLessThan(0.85);
    const freddy = index
      .screen({ name: 'Garcia', minScore: 0, limit: 100 })
      .find((h) => h.entryId === '4527');
    expect(freddy!.score).toBe(DEFAULT_MATCHER_CONFIG.singleTokenCap);
  });

  it('explains a hit token by token and says whether an alias matched', () => {
    const [hit] = index.screen({ name: 'Osama bin Laden' });
    expect(hit).toMatchObject({
      entryId: '6365',
      name: 'BIN LADIN, Usama bin Muhammad bin Awad',
      matchedName: 'BIN LADEN, Osama',
      entityType: 'person',
      programs: ['SDGT', 'SDT'],
      score: 1,
      breakdown: {
        nameScore: 1,
        dobAdjustment: 0,
        countryAdjustment: 0,
        entityTypeAdjustment: 0,
        matchedOn: 'alias',
      },
    });
    expect(hit.breakdown.tokenScores).toEqual([
      { query: 'OSAMA', candidate: 'OSAMA', similarity: 1 },
      { query: 'BIN', candidate: 'BIN', similarity: 1 },
      { query: 'LADEN', candidate: 'LADEN', similarity: 1 },
    ]);
    const [typo] = index.screen({ name: 'Viktor Vekselbreg Smith', minScore: 0.5 });
    expect(typo.breakdown.matchedOn).toBe('primary');
    expect(typo.breakdown.tokenScores).toContainEqual({ query: 'SMITH', candidate: null, similarity: 0 });
    expect(typo.breakdown.tokenScores.find((t) => t.query === 'VEKSELBREG')!.similarity).toBeLessThan(1);
  });

  it('returns one hit per entry, best first, within the limit', () => {
    const hits = index.screen({ name: 'Mohammed Ali', minScore: 0.5, limit: 25 });
    expect(hits.length).toBe(25);
    expect(new Set(hits.map((h) => h.entryId)).size).toBe(hits.length);
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(index.screen({ name: 'Mohammed Ali', limit: 1 })).toHaveLength(1);
    expect(index.screen({ name: '' })).toEqual([]);
  });

  it('raises the score for the same date of birth and lowers it for another year', () => {
    const screen = (q: Partial<SanctionsQuery>) =>
      index.screen({ name: 'Nicolas Maduro', minScore: 0, ...q })[0];
    const plain = screen({});
    expect(screen({ dateOfBirth: '1962-11-23' }).breakdown.dobAdjustment).toBe(0.05);
    expect(screen({ dateOfBirth: '1962' }).breakdown.dobAdjustment).toBe(0.03);
    expect(screen({ dateOfBirth: '1962-01-01' }).breakdown.dobAdjustment).toBe(0);
    const other = screen({ dateOfBirth: '1975-04-02' });
    expect(other.entryId).toBe('22790');
    expect(other.breakdown.dobAdjustment).toBe(-0.1);
    expect(other.score).toBeCloseTo(plain.score - 0.1, 4);
  });

  it('accepts a year near a "circa" date of birth', () => {
    // Entry 9754 (NAWAY, Haji Ali): "DOB circa 1945; alt. DOB circa 1950".
    const dob = (dateOfBirth: string) =>
      index.screen({ name: 'Ali Naway', dateOfBirth, minScore: 0 }).find((h) => h.entryId === '9754')!
        .breakdown.dobAdjustment;
    expect(dob('1952')).toBe(0.03);
    expect(dob('1947-06-01')).toBe(0.03);
    expect(dob('1955')).toBe(-0.1);
  });

  it('raises the score for a listed country and lowers it slightly for another', () => {
    const screen = (country: string) =>
      index.screen({ name: 'Igor Sechin', country })[0].breakdown.countryAdjustment;
    expect(screen('RU')).toBe(0.03);
    expect(screen('Russian Federation')).toBe(0.03);
    expect(screen('FR')).toBe(-0.03);
  });

  it('lowers the score strongly for another entity type', () => {
    expect(index.screen({ name: 'Hamas', entityType: 'person' })).toEqual([]);
    const [hit] = index.screen({ name: 'Hamas', entityType: 'person', minScore: 0 });
    expect(hit.breakdown.entityTypeAdjustment).toBe(DEFAULT_MATCHER_CONFIG.entityTypeMismatch);
    expect(index.screen({ name: 'Hamas', entityType: 'business' })[0].score).toBe(1);
  });

  it('refuses a query it would otherwise misread', () => {
    expect(() => index.screen({ name: 'Nicolas Maduro', dateOfBirth: '23/11/1962' })).toThrow(
      ScreeningQueryError,
    );
    expect(() => index.screen({ name: 'Nicolas Maduro', minScore: 2 })).toThrow(/minScore/);
    expect(() => index.screen({ name: 'Nicolas Maduro', limit: 1.5 })).toThrow(/limit/);
    const essay = Array.from({ length: 41 }, (_, i) => `word${i}`).join(' ');
    expect(() => index.screen({ name: essay })).toThrow(/distinct words/);
  });

  it('exposes what a caller records with a result', () => {
    expect(index.matcherVersion).toBe(MATCHER_VERSION);
    expect(index.config).toEqual(DEFAULT_MATCHER_CONFIG);
    expect(index.stats.entries).toBe(7379);
    expect(index.stats.names).toBeGreaterThan(7379 + 9000);
    // The application layer records hits as ScreeningMatch; the shapes must stay compatible.
    const match: ScreeningMatch = index.screen({ name: 'Hamas' })[0];
    expect(match.entryId).toBe('4695');
  });
});

describe('the index against the reference scoring of every name', () => {
  // The candidate pre-filter (bigram postings, letter bounds, rarest-token retrieval) must not
  // lose a match: screening must equal scoring every name of the list one by one.
  it.each([
    'Nicolas Maduro',
    'Qassem Suleimani',
    'Deripaska Olge',
    'Alexander Malkevich',
    'Usama Bin Ladin',
    'Ayman Zawahri',
    'Bank Meli Iran',
    'Islamic Resistence Movement',
    'Al-Shabab',
    'Mohammad Ali',
    'Abdul Rahman Hassan',
    'John Smith',
  ])('agrees on "%s"', (query) => {
    const minScore = 0.8;
    const expected = new Map<string, number>();
    for (const entry of snapshot.entries) {
      const isPerson = entry.entityType === 'person';
      for (const name of [entry.name, ...entry.aliases.map((a) => a.name)]) {
        for (const candidate of nameVariants(name, { entityType: entry.entityType })) {
          const weights = candidateWeights(name, candidate, isPerson, DEFAULT_MATCHER_CONFIG);
          for (const q of nameVariants(query)) {
            const { nameScore } = scoreNameTokens(q, candidate, DEFAULT_MATCHER_CONFIG, weights);
            if (nameScore >= minScore && nameScore > (expected.get(entry.uid) ?? 0))
              expected.set(entry.uid, nameScore);
          }
        }
      }
    }
    const hits = index.screen({ name: query, minScore, limit: 10_000 });
    expect(new Map(hits.map((h) => [h.entryId, h.breakdown.nameScore]))).toEqual(
      new Map([...expected].map(([uid, score]) => [uid, Math.round(score * 10000) / 10000])),
    );
  });
});
