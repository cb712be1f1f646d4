import { NestFactory } from '@nestjs/core';
import { Database, EventStore, ProjectionRegistry, ProjectionRuntime, createRootLogger, JsonLogger, rebuildProjection } from '@maple/platform';
import type { RebuildableProjection } from '@maple/platform';
import { AppModule } from '../../api/app.module';
import type { CliCommand } from '../main';

export const projections: CliCommand = {
  usage: 'projections <status|rebuild <name>|resume <name>>',
  summary: 'show async projections, rebuild one blue/green, or resume a failed one',
  async run(args, config) {
    const [action, name] = args;
    const database = await Database.open({ config, migrate: config.database.migrateOnStart });
    const app = await NestFactory.createApplicationContext(AppModule.register({ config: { ...config, projections: { ...config.projections, inProcess: false } }, database }), {
      logger: new JsonLogger(createRootLogger('warn')),
    });
    try {
      const registry = app.get(ProjectionRegistry);
      const runtime = app.get(ProjectionRuntime);
      if (action === 'status' || !action) {
        for (const s of await runtime.daemon.status()) {
          process.stdout.write(`${s.name.padEnd(28)} ${s.status.padEnd(8)} position ${s.position.padStart(10)}  lag ${String(s.lag).padStart(8)}${s.error ? `  error: ${s.error}` : ''}\n`);
        }
        return 0;
      }
      const p = name ? registry.get(name) : undefined;
      if (!p) {
        process.stderr.write(`Unknown projection "${name ?? ''}". Known: ${[...registry.async(), ...registry.inline()].map((x) => x.name).join(', ')}\n`);
        return 1;
      }
      if (action === 'resume') {
        await runtime.daemon.resume(p.name);
        process.stdout.write(`${p.name} will retry from its checkpoint.\n`);
        return 0;
      }
      if (action === 'rebuild') {
        if (!('tables' in p)) {
          process.stderr.write(`${p.name} cannot be rebuilt (it declares no tables).\n`);
          return 1;
        }
        const r = await rebuildProjection(database, app.get(EventStore), p as RebuildableProjection, {
          onProgress: (n) => n % 50_000 === 0 && process.stdout.write(`  ${n} events replayed\n`),
        });
        process.stdout.write(`Rebuilt ${r.projection}: ${r.events} events in ${r.seconds.toFixed(1)} s (${r.eventsPerSec}/s); swapped in atomically.\n`);
        return 0;
      }
      process.stderr.write(`Usage: ${projections.usage}\n`);
      return 1;
    } finally {
      await app.close();
      await database.close();
    }
  },
};
