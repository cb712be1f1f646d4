import { readFile, writeFile } from 'node:fs/promises';
import { Database, PersonalData, listErasures, reapplyErasures } from '@maple/platform';
import type { ErasureTombstone } from '@maple/platform';
import type { CliCommand } from '../main';
import { withContexts } from './users';

const USAGE = 'privacy rotate-kek | erasures [--out <file>] | reapply-erasures [--ledger <file>]';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export const privacy: CliCommand = {
  usage: USAGE,
  summary: 'personal data: rewrap data keys with the current KEK; list or re-apply erasures (after a restore)',
  async run(args, config) {
    const [sub] = args;
    switch (sub) {
      case 'rotate-kek': {
        const r = await withContexts(config, (app) => app.get(PersonalData).rotateKek(app.get(Database)));
        process.stdout.write(`rewrapped ${r.dataKeys} data key(s) and ${r.indexKeys} index key(s) with KEK "${r.kekId}"; the older KEKs can now leave PII_KEKS\n`);
        return 0;
      }
      case 'erasures': {
        // The erasure ledger: keep it with (and newer than) the backups, for reapply-erasures.
        const list = await withContexts(config, (app) => listErasures(app.get(Database)));
        const text = list.map((t) => JSON.stringify(t) + '\n').join('');
        const out = flag(args, 'out');
        if (out) await writeFile(out, text, { mode: 0o600 });
        else process.stdout.write(text);
        if (out) process.stdout.write(`wrote ${list.length} erasure(s) to ${out}\n`);
        return 0;
      }
      case 'reapply-erasures': {
        const file = flag(args, 'ledger');
        const ledger = file
          ? (await readFile(file, 'utf8'))
              .split('\n')
              .filter((l) => l.trim())
              .map((l) => JSON.parse(l) as ErasureTombstone)
          : [];
        const r = await withContexts(config, (app) => reapplyErasures(app.get(Database), ledger));
        process.stdout.write(`${r.tombstones} erasure(s): ${r.tombstonesRestored} tombstone(s) restored, ${r.keysDestroyed} key(s) destroyed again\n`);
        return 0;
      }
      default:
        process.stderr.write(`Usage: npm run cli -- ${USAGE}\n`);
        return 1;
    }
  },
};
