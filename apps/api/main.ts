import 'reflect-metadata';
import {
  ConfigError,
  Database,
  DatabaseUnavailableError,
  createRootLogger,
  describeDatabase,
  loadConfig,
} from '@maple/platform';
import { startJobs } from '../worker/jobs';
import { createApi } from './bootstrap';

// Boot failures end with one plain line and exit code 1: no stack trace for an operator to decode.
function fail(message: string): never {
  process.stderr.write(`maple-api: ${message}\n`);
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
  let database: Database;
  try {
    database = await Database.open({ config, migrate: config.database.migrateOnStart });
  } catch (e) {
    if (e instanceof DatabaseUnavailableError) fail(`database unavailable: ${e.message}`);
    fail(`database start failed: ${(e as Error).message.split('\n')[0]}`);
  }
  const logger = createRootLogger(config.logLevel);
  const app = await createApi({ config, database, logger });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await app.close();
    fail(`cannot listen on ${config.host}:${config.port}: ${(e as Error).message.split('\n')[0]}`);
  }
  // On the embedded database nobody else can run the background jobs: the API does.
  const stopJobs = config.projections.inProcess ? startJobs(app, logger) : async () => undefined;
  // Graceful shutdown: stop accepting, let in-flight requests finish, then close the pool.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`shutting down (${signal})`);
    const force = setTimeout(() => fail('shutdown grace period exceeded'), config.shutdownGraceMs);
    force.unref();
    stopJobs()
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (e: Error) => fail(`shutdown failed: ${e.message}`),
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  logger.info(`Maple API listening on ${await app.getUrl()} (${describeDatabase(config)}); docs at /docs`);
}

main().catch((e: Error) => fail(e.message.split('\n')[0]));
