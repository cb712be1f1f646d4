import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  ConfigError,
  Database,
  JsonLogger,
  createRootLogger,
  describeDatabase,
  loadConfig,
} from '@maple/platform';
import { AppModule } from '../api/app.module';
import { startJobs } from './jobs';

// The worker hosts background processes: the async projection daemon (leader-elected per
// projection, so several workers can run side by side), and later the NATS relay and the
// retention and maintenance jobs. It runs until SIGTERM/SIGINT and stops cleanly.
function fail(message: string): never {
  process.stderr.write(`maple-worker: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  // The embedded database belongs to the API process (which then runs projections and jobs
  // itself); a second process opening the same folder would corrupt it.
  if (!config.database.url)
    fail(
      'the worker needs DATABASE_URL (a PostgreSQL server); on the embedded database the API runs background work itself',
    );
  config = { ...config, projections: { ...config.projections, inProcess: true } };
  const log = createRootLogger(config.logLevel).child({ process: 'worker' });
  let database: Database;
  try {
    database = await Database.open({ config, migrate: config.database.migrateOnStart });
  } catch (e) {
    fail(`database unavailable: ${(e as Error).message.split('\n')[0]}`);
  }
  const app = await NestFactory.createApplicationContext(AppModule.register({ config, database }), {
    logger: new JsonLogger(log),
  });
  await app.init();
  const stopJobs = startJobs(app, log);
  log.info(`worker started on ${describeDatabase(config)}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`worker stopping (${signal})`);
    stopJobs()
      .then(() => app.close())
      .then(
        () => {
          log.info('worker stopped');
          process.exit(0);
        },
        (e: Error) => fail(`shutdown failed: ${e.message}`),
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((e: Error) => fail(e.message.split('\n')[0]));
