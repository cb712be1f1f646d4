import 'reflect-metadata';
import { Metrics, ProcessBoot, createRootLogger, describeDatabase } from '@maple/platform';
import { startJobs } from '../worker/jobs';
import { createApi } from './bootstrap';

const boot = new ProcessBoot('maple-api');

boot.run(async () => {
  const config = boot.config();
  const database = await boot.database(config);
  const logger = createRootLogger(config.logLevel);
  for (const warning of config.warnings) logger.warn(warning);
  const app = await createApi({ config, database, logger });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await app.close();
    boot.fail(`cannot listen on ${config.host}:${config.port}: ${(e as Error).message.split('\n')[0]}`);
  }
  const metricsServer = await boot.metricsServer(config, app.get(Metrics), () => app.close());
  // On the embedded database nobody else can run the background jobs: the API does.
  if (config.projections.inProcess) await startJobs(app, logger);
  // Graceful shutdown: stop accepting, let in-flight requests finish, then close the pool.
  boot.onShutdown(async (signal) => {
    logger.info(`shutting down (${signal})`);
    await metricsServer?.close();
    // Closing the application stops the job queue first, letting runs in flight finish.
    await app.close();
  }, config.shutdownGraceMs);
  logger.info(`Maple API listening on ${await app.getUrl()} (${describeDatabase(config)}); docs at /docs`);
});
