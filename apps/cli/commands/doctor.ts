import { Database, describeDatabase } from '@maple/platform';
import type { CliCommand } from '../main';

export const doctor: CliCommand = {
  usage: 'doctor',
  summary: 'check configuration, database and migrations, in plain words',
  async run(_args, config) {
    const out = (ok: boolean, line: string) => process.stdout.write(`${ok ? 'ok  ' : 'FAIL'}  ${line}\n`);
    out(true, `configuration is valid (NODE_ENV=${config.env}, PORT=${config.port}, LOG_LEVEL=${config.logLevel})`);
    let db: Database;
    try {
      db = await Database.open({ config });
    } catch (e) {
      out(false, `database: ${(e as Error).message}`);
      return 1;
    }
    try {
      await db.ping();
      out(true, `database reachable: ${describeDatabase(config)}`);
      const m = await db.migrationCheck();
      const healthy = !m.pending.length && !m.failed.length && !m.edited.length;
      if (healthy) out(true, 'migrations: all applied');
      if (m.pending.length) out(false, `migrations pending: ${m.pending.join(', ')} (run: npm run db:migrate)`);
      if (m.failed.length) out(false, `migrations that failed half-way: ${m.failed.join(', ')} (fix, then resolve by hand)`);
      if (m.edited.length) out(false, `migrations edited after being applied: ${m.edited.join(', ')}`);
      return healthy ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};
