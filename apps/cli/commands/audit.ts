import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { Database } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import {
  ensureAuditPartitions,
  exportEvents,
  loadSigner,
  runRetention,
  verifyChain,
  verifyExport,
} from '@maple/audit';
import type { CliCommand } from '../main';

const USAGE = `audit verify --file <export.ndjson> --public-key <key.pem>   verify an export offline
  audit verify --company <id> [--from <pos>] [--to <pos>]        verify a company's chain in the database
  audit export --company <id> --from <ISO> --to <ISO> [--out <file>]
  audit retention [--dry-run] [--partition <name>]... [--actor <who>]
  audit partitions [--months-ahead <n>]
  audit public-key`;

function flags(args: string[]): {
  get(name: string): string | undefined;
  all(name: string): string[];
  has(name: string): boolean;
} {
  const all = (name: string) =>
    args.flatMap((a, i) => (a === `--${name}` && args[i + 1] !== undefined ? [args[i + 1]] : []));
  return { get: (n) => all(n)[0], all, has: (n) => args.includes(`--${n}`) };
}

// The CLI is short-lived: a key made up for this one run signs nothing anyone can check later.
function signerOf(config: AppConfig) {
  const signer = loadSigner(config.audit.signingKey);
  if (signer.ephemeral) process.stderr.write('warning: AUDIT_SIGNING_KEY is not set: using a key made up for this run only.\n');
  return signer;
}

async function withDb<T>(config: AppConfig, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open({ config, migrate: config.database.migrateOnStart });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export const audit: CliCommand = {
  usage: 'audit <verify|export|retention|partitions|public-key>',
  summary: 'auditor tools: verify chains and exports, export NDJSON, retention, partitions',
  async run(args, config) {
    const [action, ...rest] = args;
    const f = flags(rest);
    if (action === 'verify' && f.get('file')) {
      const keyFile = f.get('public-key');
      if (!keyFile) {
        process.stderr.write('audit verify --file needs --public-key <pem file> (GET /audit/public-key)\n');
        return 1;
      }
      const r = verifyExport(await readFile(f.get('file')!, 'utf8'), await readFile(keyFile, 'utf8'));
      if (r.valid) {
        process.stdout.write(
          `valid: ${r.events} events, head ${r.head}, signed checkpoint at position ${r.checkpointPosition}\n`,
        );
        return 0;
      }
      process.stdout.write(`INVALID at line ${r.line}: ${r.reason}\n`);
      return 2;
    }
    if (action === 'verify' && f.get('company')) {
      const signer = signerOf(config);
      const r = await withDb(config, (db) =>
        verifyChain(db, signer.publicKeyPem, {
          companyId: f.get('company')!,
          fromPosition: f.get('from'),
          toPosition: f.get('to'),
        }),
      );
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return r.valid ? 0 : 2;
    }
    if (action === 'export') {
      const [company, from, to] = [f.get('company'), f.get('from'), f.get('to')];
      if (!company || !from || !to || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) {
        process.stderr.write('audit export needs --company <id> --from <ISO> --to <ISO>\n');
        return 1;
      }
      const signer = signerOf(config);
      const out = f.get('out') ? createWriteStream(f.get('out')!) : process.stdout;
      await withDb(config, async (db) => {
        for await (const chunk of exportEvents(db, signer, {
          companyId: company,
          from: new Date(from),
          to: new Date(to),
        })) {
          if (!out.write(chunk)) await once(out, 'drain');
        }
      });
      if (out !== process.stdout)
        await new Promise<void>((r) => (out as NodeJS.WritableStream).end(() => r()));
      return 0;
    }
    if (action === 'retention') {
      const report = await withDb(config, (db) =>
        runRetention(db, {
          dryRun: f.has('dry-run'),
          actor: f.get('actor') ?? `cli:${config.cli.operator}`,
          requested: f.all('partition'),
        }),
      );
      const verb = report.dryRun ? 'would drop' : 'dropped';
      process.stdout.write(
        `retention run ${report.runId} (cutoff ${report.cutoff}): ${verb} ${report.dropped.length ? report.dropped.join(', ') : 'nothing'}\n`,
      );
      for (const r of report.refused) process.stdout.write(`refused ${r.name}: ${r.reason}\n`);
      return report.refused.length ? 2 : 0;
    }
    if (action === 'partitions') {
      const created = await withDb(config, (db) =>
        ensureAuditPartitions(db, Number(f.get('months-ahead') ?? 3)),
      );
      process.stdout.write(
        created.length ? `created ${created.join(', ')}\n` : 'all partitions already exist\n',
      );
      return 0;
    }
    if (action === 'public-key') {
      process.stdout.write(signerOf(config).publicKeyPem);
      return 0;
    }
    process.stderr.write(`Usage:\n  ${USAGE}\n`);
    return 1;
  },
};
