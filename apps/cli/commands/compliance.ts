import { ComplianceRetention } from '@maple/compliance';
import { commandMeta } from '@maple/platform';
import type { CliCommand } from '../main';
import { withContexts } from './users';

export const compliance: CliCommand = {
  usage: 'compliance retention [--dry-run] [--record <id>]... [--actor <who>]',
  summary: 'purge compliance records decided more than 7 years ago; every run is audited',
  async run(args, config) {
    const [action] = args;
    if (action !== 'retention') {
      process.stderr.write(`Usage: npm run cli -- ${compliance.usage}\n`);
      return 1;
    }
    const recordIds = args.flatMap((a, i) => (args[i - 1] === '--record' ? [a] : []));
    const actorAt = args.indexOf('--actor');
    const actor = actorAt >= 0 ? args[actorAt + 1] : `cli:${config.cli.operator}`;
    const report = await withContexts(config, (app) =>
      app.get(ComplianceRetention).run({ dryRun: args.includes('--dry-run'), recordIds, meta: commandMeta({ actorId: actor, companyId: null }) }),
    );
    const verb = report.dryRun ? 'would purge' : 'purged';
    process.stdout.write(`compliance retention run ${report.runId} (cutoff ${report.cutoff}): ${verb} ${report.purged.length} record(s)\n`);
    for (const r of report.refused) process.stdout.write(`  refused ${r.recordId}: ${r.reason}\n`);
    return report.refused.some((r) => recordIds.includes(r.recordId)) ? 1 : 0;
  },
};
