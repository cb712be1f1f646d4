import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { computeSnapshotVersion, parseOfacSnapshot, splitPrograms } from './ofac-csv.parser';
import type { OfacFileSet } from './ofac-csv.parser';
import { loadOfacSnapshot, readOfacFiles } from './ofac-snapshot.loader';
import { SanctionsImportError } from './sanctions.errors';
import type { SanctionsSnapshot } from './sanctions.types';

// The real OFAC snapshot vendored in data/ (override with OFAC_SNAPSHOT_DIR).
const OFAC_DIR =
  process.env.OFAC_SNAPSHOT_DIR ?? path.resolve(__dirname, '../../../../data/sanctions/ofac');

function recordLines(file: string): number {
  // The snapshot has no quoted line breaks, so records are the non-blank lines (less the
  // end-of-file mark \x1a that sdn_comments.csv ends with).
  return readFileSync(path.join(OFAC_DIR, file), 'latin1')
    .split('\n')
    .filter((l) => l.replaceAll('\x1a', '').trim() !== '').length;
}

describe('OFAC legacy CSV parser on the shared snapshot', () => {
  let files: OfacFileSet;
  let snapshot: SanctionsSnapshot;
  const entry = (uid: string) => snapshot.entries.find((e) => e.uid === uid)!;

  beforeAll(async () => {
    files = await readOfacFiles(OFAC_DIR);
    snapshot = parseOfacSnapshot(files);
  });

  it('reads one entry per sdn.csv record and every alias and address', () => {
    expect(snapshot.counts).toEqual({
      entries: recordLines('sdn.csv'),
      aliases: recordLines('alt.csv'),
      addresses: recordLines('add.csv'),
    });
    expect(snapshot.counts.entries).toBe(7379);
    expect(snapshot.entries.reduce((n, e) => n + e.aliases.length, 0)).toBe(snapshot.counts.aliases);
  });

  it('maps SDN_Type to entity types, an empty type to business', () => {
    const byType: Record<string, number> = {};
    for (const e of snapshot.entries) byType[e.entityType] = (byType[e.entityType] ?? 0) + 1;
    expect(byType).toEqual({ person: 3845, business: 2994, vessel: 323, aircraft: 217 });
  });

  it('reads a person with aliases, programs, dates of birth and nationality', () => {
    const soleimani = entry('10481');
    expect(soleimani).toMatchObject({
      name: 'SOLEIMANI, Qasem',
      entityType: 'person',
      programs: ['SDGT', 'SYRIA', 'NPWMD', 'IRGC', 'IFSR'],
      datesOfBirth: ['11 Mar 1957'],
      placesOfBirth: ['Qom, Iran'],
      nationalities: ['Iran'],
    });
    expect(soleimani.aliases).toContainEqual({ name: 'SOLEYMANI, Ghasem', type: 'aka' });
    expect(soleimani.countries).toContain('Iran');

    const binLadin = entry('6365');
    expect(binLadin.datesOfBirth).toEqual(['30 Jul 1957', '1958']);
    expect(binLadin.aliases.map((a) => a.name)).toContain('BIN LADEN, Osama');
    expect(binLadin.countries).toEqual(expect.arrayContaining(['Saudi Arabia', 'Yemen']));
  });

  it('reads a business with a null title, an address and a weak alias from the remarks', () => {
    const bnc = entry('306');
    expect(bnc).toMatchObject({
      name: 'BANCO NACIONAL DE CUBA',
      entityType: 'business',
      programs: ['CUBA'],
      title: null,
      vessel: null,
      aliases: [{ name: 'NATIONAL BANK OF CUBA', type: 'aka' }],
      weakAliases: ['BNC'],
    });
    expect(bnc.addresses[0]).toEqual({
      address: 'Zweierstrasse 35',
      cityStateZip: 'Zurich CH-8022',
      country: 'Switzerland',
      remarks: null,
    });
  });

  it('reads vessels with their details and flag', () => {
    const zhukov = entry('21115');
    expect(zhukov.entityType).toBe('vessel');
    expect(zhukov.vessel).not.toBeNull();
    expect(snapshot.entries.filter((e) => e.entityType === 'aircraft').length).toBe(217);
  });

  it('appends remarks overflow from sdn_comments.csv and warns about overflow for missing entries', () => {
    const e = entry('12300');
    expect(e.remarks!.length).toBeGreaterThan(1000);
    // The overflow continues the word cut at 1,000 characters: "PROMO RAI" + "Z S.A.S.".
    expect(e.remarks).toContain('PROMO RAIZ S.A.S.; Linked To: RED MUNDIAL INMOBILIARIA');
    expect(snapshot.warnings).toHaveLength(10);
    expect(snapshot.warnings[0]).toEqual({
      file: 'sdn_comments.csv',
      line: 4,
      message: 'remarks overflow for missing entry 17018 ignored',
    });
  });

  it('versions the snapshot by the bytes of its four files', async () => {
    const version = computeSnapshotVersion(files);
    expect(version).toMatch(/^[0-9a-f]{64}$/);
    expect((await loadOfacSnapshot(OFAC_DIR)).version).toBe(version);
    const changed = Buffer.from(files.add as Uint8Array);
    changed[0] = changed[0] === 0x31 ? 0x32 : 0x31;
    expect(computeSnapshotVersion({ ...files, add: changed })).not.toBe(version);
    // Moving bytes between files changes the version too: names and lengths are hashed.
    expect(computeSnapshotVersion({ ...files, alt: files.add, add: files.alt })).not.toBe(version);
  });
});

const SDN_OK = '10,"ONE, Person","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1961."';
const fileSet = (over: Partial<Record<keyof OfacFileSet, string>> = {}): OfacFileSet => ({
  sdn: SDN_OK,
  alt: '10,1,"aka","UNO, Persona",-0- ',
  add: '10,1,-0- ,"Havana","Cuba",-0- ',
  comments: '',
  ...over,
});

function importError(files: OfacFileSet): SanctionsImportError {
  try {
    parseOfacSnapshot(files);
  } catch (err) {
    if (err instanceof SanctionsImportError) return err;
    throw err;
  }
  throw new Error('expected a SanctionsImportError');
}

describe('OFAC legacy CSV parser on malformed files', () => {
  it.each([
    [
      'a missing column',
      { sdn: `${SDN_OK}\n11,"TWO","individual","SDGT",-0- ` },
      'sdn.csv',
      2,
      /expected 12 columns, found 5/,
    ],
    ['an extra column', { alt: '10,1,"aka","X",-0- ,extra' }, 'alt.csv', 1, /expected 5 columns, found 6/],
    [
      'an unterminated quote',
      { sdn: `${SDN_OK}\n\n11,"TWO, Person,individual` },
      'sdn.csv',
      3,
      /unterminated/,
    ],
    [
      'a stray quote in an unquoted field',
      { add: '10,1,Main "St",-0- ,-0- ,-0- ' },
      'add.csv',
      1,
      /quote inside/,
    ],
    ['text after a closing quote', { alt: '10,1,"aka"x,"X",-0- ' }, 'alt.csv', 1, /after a closing quote/],
    [
      'a non-numeric ent_num',
      { sdn: `${SDN_OK}\nX11,"TWO",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ` },
      'sdn.csv',
      2,
      /ent_num "X11"/,
    ],
    ['a non-numeric alt_num', { alt: '10,one,"aka","X",-0- ' }, 'alt.csv', 1, /alt_num/],
    ['a duplicate ent_num', { sdn: `${SDN_OK}\n${SDN_OK}` }, 'sdn.csv', 2, /duplicate ent_num 10/],
    [
      'an entry without a name',
      { sdn: '10,-0- ,-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ' },
      'sdn.csv',
      1,
      /no name/,
    ],
    [
      'an unknown SDN_Type',
      { sdn: '10,"X","company","CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ' },
      'sdn.csv',
      1,
      /unknown SDN_Type/,
    ],
    [
      'an unknown alias type',
      { alt: '10,1,"aka","X",-0- \n10,2,"also","Y",-0- ' },
      'alt.csv',
      2,
      /unknown alt_type/,
    ],
    [
      'an alias of a missing entry',
      { alt: '10,1,"aka","X",-0- \n99,2,"aka","Y",-0- ' },
      'alt.csv',
      2,
      /alias of missing entry 99/,
    ],
    [
      'an address of a missing entry',
      { add: '\n\n99,1,-0- ,"Havana","Cuba",-0- ' },
      'add.csv',
      3,
      /address of missing entry 99/,
    ],
  ])('rejects %s with the file and line', (_case, over, file, line, reason) => {
    const err = importError(fileSet(over));
    expect(err.code).toBe('COMPLIANCE.SANCTIONS_FILE_MALFORMED');
    expect(err.file).toBe(file);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(reason);
    expect(err.message).toContain(`${file} line ${line}`);
  });

  it('counts quoted line breaks when it reports a later line', () => {
    const sdn = `10,"ONE","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"first\nsecond"\n11,"TWO"`;
    expect(importError(fileSet({ sdn })).line).toBe(3);
  });

  it('accepts CRLF, "" escapes, a trailing end-of-file mark and Windows-1252 bytes', () => {
    const sdn = Buffer.concat([
      Buffer.from('10,"M', 'latin1'),
      Buffer.from([0xfc]), // ü in Windows-1252, not valid UTF-8
      Buffer.from('LLER, Hans ""Jo""","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a'),
    ]);
    const snapshot = parseOfacSnapshot({ ...fileSet(), sdn, comments: Buffer.from('\x1a') });
    expect(snapshot.entries[0].name).toBe('MüLLER, Hans "Jo"');
    expect(snapshot.entries[0].remarks).toBeNull();
  });

  it('reads the cut-off null marker "-0" at the end of a file as null', () => {
    const snapshot = parseOfacSnapshot(fileSet({ add: '10,1,-0- ,"Moscow","Russia",-0' }));
    expect(snapshot.entries[0].addresses[0].remarks).toBeNull();
  });

  it('splits programs however OFAC brackets them', () => {
    expect(splitPrograms('SDGT] [IRGC')).toEqual(['SDGT', 'IRGC']);
    expect(splitPrograms('[SDGT] [IFSR]')).toEqual(['SDGT', 'IFSR']);
    expect(splitPrograms('CUBA')).toEqual(['CUBA']);
    expect(splitPrograms(null)).toEqual([]);
  });

  it('reports a missing file of a snapshot directory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ofac-'));
    try {
      const files = fileSet();
      await writeFile(path.join(dir, 'sdn.csv'), files.sdn);
      await writeFile(path.join(dir, 'alt.csv'), files.alt);
      await writeFile(path.join(dir, 'add.csv'), files.add);
      await expect(loadOfacSnapshot(dir)).rejects.toMatchObject({
        code: 'COMPLIANCE.SANCTIONS_FILE_MISSING',
        file: 'sdn_comments.csv',
      });
      await writeFile(path.join(dir, 'sdn_comments.csv'), '');
      const { snapshot, version } = await loadOfacSnapshot(dir);
      expect(snapshot.counts).toEqual({ entries: 1, aliases: 1, addresses: 1 });
      expect(version).toBe(computeSnapshotVersion({ ...files, comments: '' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
