import 'reflect-metadata';
import { ProcessBoot, createRootLogger, describeDatabase } from '@maple/platform';
import { jobsFor, startJobs } from '../worker/jobs';
import { createApi } from './bootstrap';

const boot = new ProcessBoot('maple-api');

boot.run(async () => {
  const config = boot.config();
  const database = await boot.database(config);
  const logger = createRootLogger(config.logLevel);
  const app = await createApi({ config, database, logger });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await app.close();
    boot.fail(`cannot listen on ${config.host}:${config.port}: ${(e as Error).message.split('\n')[0]}`);
  }
  // On the embedded database nobody else can run the background jobs: the API does.
  const stopJobs = config.projections.inProcess ? startJobs(app, logger, jobsFor(config)) : async () => undefined;
  // Graceful shutdown: stop accepting, let in-flight requests finish, then close the pool.
  boot.onShutdown(async (signal) => {
    logger.info(`shutting down (${signal})`);
    await stopJobs();
    await app.close();
  }, config.shutdownGraceMs);
  logger.info(`Maple API listening on ${await app.getUrl()} (${describeDatabase(config)}); docs at /docs`);
});
