import { userInfo } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { CommandRunner, Database, EventStore, ProjectionRegistry, ProjectionRuntime, RebuildError, commandMeta, createRootLogger, describeHolder, horizonHolders, JsonLogger, planAll, planRebuild, projectionRebuildDecider, projectionRebuildStreamId, rebuildProjections, recentRuns } from '@maple/platform';
import type { RebuildPlan, RebuildReport } from '@maple/platform';
import { AppModule } from '../../api/app.module';
import type { CliCommand } from '../main';

const USAGE = 'projections <status | rebuild [<name>] [--compare] [--actor <who>] | resume <name>>';
const out = (line: string) => process.stdout.write(`${line}\n`);
const n = (v: number) => v.toLocaleString('en-US');

export const projections: CliCommand = {
  usage: USAGE,
  summary: 'show projections and rebuilds, rebuild read models blue/green, or resume a failed projection',
  async run(args, config) {
    const [action, ...rest] = args;
    const actorAt = rest.indexOf('--actor');
    const actor = actorAt >= 0 ? rest[actorAt + 1] : `cli:${userInfo().username}`;
    const name = rest.filter((a, i) => !a.startsWith('--') && (actorAt < 0 || i !== actorAt + 1))[0];
    // A rebuild creates, moves and drops tables: it needs the owner's connection when the
    // application logs in as a role that owns nothing (DATABASE_MIGRATION_URL).
    const owner = { ...config, database: { ...config.database, url: config.database.migrationUrl ?? config.database.url } };
    const database = await Database.open({ config: owner, migrate: config.database.migrateOnStart });
    const app = await NestFactory.createApplicationContext(AppModule.register({ config: { ...config, projections: { ...config.projections, inProcess: false } }, database }), {
      // Warnings only (the output is for people), none with LOG_LEVEL=silent.
      logger: new JsonLogger(createRootLogger(config.logLevel === 'silent' ? 'silent' : 'warn')),
    });
    try {
      const registry = app.get(ProjectionRegistry);
      const runtime = app.get(ProjectionRuntime);
      if (action === 'status' || !action) return await status(database, registry, runtime);
      if (action === 'resume') {
        const p = name ? registry.async().find((x) => x.name === name) : undefined;
        if (!p) {
          process.stderr.write(`Unknown async projection "${name ?? ''}". Known: ${registry.async().map((x) => x.name).join(', ') || 'none'}.\n`);
          return 1;
        }
        await runtime.daemon.resume(p.name);
        out(`${p.name} will retry from its checkpoint.`);
        return 0;
      }
      if (action === 'rebuild') {
        // No name: every read model (what the ComplianceRecord partitioning migration tells operators to run).
        const plans = name ? [planRebuild(registry.entries(), name)] : planAll(registry.entries());
        let code = 0;
        for (const plan of plans) code = Math.max(code, await rebuild(database, app.get(EventStore), app.get(CommandRunner), plan, { compare: rest.includes('--compare'), actor }));
        return code;
      }
      process.stderr.write(`Usage: npm run cli -- ${USAGE}\n`);
      return 1;
    } catch (e) {
      if (!(e instanceof RebuildError)) throw e;
      process.stderr.write(`${e.code}: ${e.message}\n`);
      return 1;
    } finally {
      await app.close();
      await database.close();
    }
  },
};

async function rebuild(db: Database, store: EventStore, runner: CommandRunner, plan: RebuildPlan, opts: { compare: boolean; actor: string }): Promise<number> {
  out(`Rebuilding ${plan.tables.join(', ')} from the event store (${plan.projections.map((p) => p.name).join(', ')}; ${plan.mode})`);
  let shown = 0;
  const r = await rebuildProjections(db, store, plan, {
    compare: opts.compare,
    onProgress: (p) => {
      if (p.phase === 'replay' && p.events - shown >= 100_000) out(`  ${n((shown = p.events))} events replayed`);
      if (p.phase === 'indexes') out('  building indexes');
      if (p.phase === 'swap-waiting') out(`  swap attempt ${p.attempt} gave way to writers (${p.reason}); retrying`);
    },
  });
  out(summary(r));
  // In the audit trail, on the platform's chain: who rebuilt what, from how many events.
  await runner.run(projectionRebuildDecider, { id: projectionRebuildStreamId(r.run), type: 'ProjectionRebuild', companyId: null }, { type: 'RecordProjectionRebuild', report: r, meta: commandMeta({ actorId: opts.actor, companyId: null }) });
  if (r.differences) {
    const changed = Object.entries(r.differences).filter(([, d]) => d.onlyLive || d.onlyRebuilt);
    out(changed.length ? `  rows that differed from the live tables: ${changed.map(([t, d]) => `${t} ${d.onlyLive} replaced, ${d.onlyRebuilt} new`).join('; ')}` : '  identical to the live tables, row for row');
  }
  for (const w of r.warnings) out(`  WARNING: ${w}`);
  return r.warnings.length ? 1 : 0;
}

function summary(r: RebuildReport): string {
  const rows = Object.entries(r.rows).map(([t, c]) => `${t} (${n(c)} rows)`).join(', ');
  return `Swapped in ${rows}: ${n(r.events)} events in ${r.seconds.toFixed(1)} s (${n(r.eventsPerSec)}/s); writers waited ${r.swapLockMs} ms on the swap (${r.swapAttempts} ${r.swapAttempts === 1 ? 'try' : 'tries'}).`;
}

async function status(db: Database, registry: ProjectionRegistry, runtime: ProjectionRuntime): Promise<number> {
  out('Async projections (run by the worker, or by the API on the embedded database):');
  const statuses = await runtime.daemon.status();
  if (!statuses.length) out('  none');
  for (const s of statuses) {
    out(`  ${s.name.padEnd(28)} ${s.status.padEnd(8)} position ${s.position.padStart(10)}  lag ${n(s.lag).padStart(9)}${s.error ? `  error: ${s.error}` : ''}`);
  }
  out('Inline read models (written by the commands themselves, always current):');
  for (const { projection } of registry.entries().filter((e) => e.inline)) out(`  ${projection.name.padEnd(28)} ${projection.tables.join(', ')}`);
  // As many as one `projections rebuild` of everything leaves, so its whole outcome shows.
  const runs = await db.transaction((tx) => recentRuns(tx, Math.max(5, registry.entries().length)), { allCompanies: true });
  if (runs.length) out('Recent rebuilds:');
  for (const r of runs) {
    const when = new Date(r.finishedAt ?? r.heartbeatAt).toISOString();
    out(`  ${r.id} ${r.status.padEnd(9)} ${r.tables.join(', ')}: ${n(Number(r.events))} events, ${r.status === 'running' ? 'last progress' : 'ended'} ${when}${r.error ? `  error: ${r.error}` : ''}`);
  }
  const holders = await horizonHolders(db, 5_000, 5);
  if (holders.length) out('Transactions holding back every event-store reader (projections, rebuilds):');
  for (const h of holders) out(`  ${describeHolder(h)}`);
  return 0;
}
