import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { OFAC_FILE_NAMES, computeSnapshotVersion, parseOfacSnapshot } from './ofac-csv.parser';
import type { OfacFileSet } from './ofac-csv.parser';
import { SANCTIONS_FILE_MISSING, SanctionsImportError } from './sanctions.errors';
import type { SanctionsSnapshot } from './sanctions.types';

/** Reads the four OFAC files from a directory; each one is required. */
export async function readOfacFiles(dir: string): Promise<OfacFileSet> {
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await readFile(path.join(dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new SanctionsImportError(SANCTIONS_FILE_MISSING, name, 0, `not found in ${dir}`);
      }
      throw err;
    }
  };
  const [sdn, alt, add, comments] = await Promise.all(
    [OFAC_FILE_NAMES.sdn, OFAC_FILE_NAMES.alt, OFAC_FILE_NAMES.add, OFAC_FILE_NAMES.comments].map(read),
  );
  return { sdn, alt, add, comments };
}

/** Reads, versions and parses an OFAC snapshot directory. */
export async function loadOfacSnapshot(
  dir: string,
): Promise<{ snapshot: SanctionsSnapshot; version: string }> {
  const files = await readOfacFiles(dir);
  return { snapshot: parseOfacSnapshot(files), version: computeSnapshotVersion(files) };
}
