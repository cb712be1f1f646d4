import path from 'node:path';
import { Database } from '@maple/platform';
import { SanctionsImportError, SanctionsStore } from '@maple/compliance';
import type { CliCommand } from '../main';

export const sanctions: CliCommand = {
  usage: 'sanctions <import <dir>|status>',
  summary: "import an OFAC SDN snapshot (OFAC's CSV files) and make it active; list snapshots",
  async run(args, config) {
    const [action, dir] = args;
    const db = await Database.open({ config, migrate: config.database.migrateOnStart });
    const store = new SanctionsStore(db);
    try {
      if (action === 'import' && dir) {
        try {
          const r = await store.importDirectory(path.resolve(dir), 'cli');
          process.stdout.write(
            `${r.alreadyImported ? 'Re-activated' : 'Imported'} ${r.source} snapshot ${r.version}: ${r.entries} entries, ${r.aliases} aliases, ${r.addresses} addresses in ${r.seconds.toFixed(1)} s. It is now the active list.\n`,
          );
          return 0;
        } catch (e) {
          if (e instanceof SanctionsImportError) {
            process.stderr.write(`Import refused: ${e.message}. The previous snapshot stays active.\n`);
            return 1;
          }
          throw e;
        }
      }
      if (action === 'status' || !action) {
        const list = await store.snapshots();
        if (!list.length) process.stdout.write('No sanctions snapshot imported yet.\n');
        for (const s of list) process.stdout.write(`${s.active ? '*' : ' '} ${s.version.slice(0, 16)}  ${s.source}  ${s.importedAt.toISOString()}  ${s.entries} entries, ${s.aliases} aliases, ${s.addresses} addresses\n`);
        return 0;
      }
      process.stderr.write(`Usage: ${sanctions.usage}\n`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
