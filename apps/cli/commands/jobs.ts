import { Database, readJobStatus } from '@maple/platform';
import type { JobStatus } from '@maple/platform';
import type { CliCommand } from '../main';

export const jobs: CliCommand = {
  usage: 'jobs status',
  summary: "each job's last run, next run and failures",
  async run(args, config) {
    const [action] = args;
    if (action && action !== 'status') {
      process.stderr.write(`Usage: ${jobs.usage}\n`);
      return 1;
    }
    const db = await Database.open({ config, migrate: config.database.migrateOnStart });
    try {
      const rows = await readJobStatus(db);
      if (!rows.length) {
        process.stdout.write('No job queue on this database yet: the worker (or the API, on the embedded database) creates it when it starts.\n');
        return 0;
      }
      for (const line of jobStatusLines(rows)) process.stdout.write(`${line}\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};

const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-');

/** The table `jobs status` prints: one header line, then one line per job. */
export function jobStatusLines(rows: JobStatus[]): string[] {
  const table = [
    ['JOB', 'CRON (UTC)', 'LAST RUN', 'OUTCOME', 'NEXT RUN', 'QUEUED', 'ACTIVE', 'RETRYING', 'FAILED 24H', 'LAST ERROR'],
    ...rows.map((r) => [r.name, r.cron ?? 'on demand', when(r.lastRunAt), r.lastOutcome ?? '-', when(r.nextRunAt), String(r.queued), String(r.active), String(r.retrying), String(r.failedLast24h), r.lastError ?? '']),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}
