import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { JsonLogger, Metrics, ProcessBoot, createRootLogger, describeDatabase } from '@maple/platform';
import { AppModule } from '../api/app.module';
import { startJobs } from './jobs';

// The worker hosts background processes: the async projection daemon (leader-elected per
// projection, so several workers can run side by side) with the NATS relay among them when
// NATS_URL is set (libs/relay), and the retention and maintenance jobs. It runs until
// SIGTERM/SIGINT and stops cleanly.
const boot = new ProcessBoot('maple-worker');

boot.run(async () => {
  let config = boot.config();
  // The embedded database has one owner, the API process, which then runs projections and jobs
  // itself (the folder's lock refuses a second owner; see embedded-lock.ts).
  if (!config.database.url)
    boot.fail('the worker needs DATABASE_URL (a PostgreSQL server); on the embedded database the API runs background work itself');
  config = { ...config, projections: { ...config.projections, inProcess: true } };
  const log = createRootLogger(config.logLevel).child({ process: 'worker' });
  for (const warning of config.warnings) log.warn(warning);
  const database = await boot.database(config);
  const app = await NestFactory.createApplicationContext(AppModule.register({ config, database }), {
    logger: new JsonLogger(log),
  });
  await app.init();
  await startJobs(app, log);
  // The worker has no HTTP application: its metrics (job runs, projection lag) get a port of
  // their own, WORKER_METRICS_PORT (0: none), with METRICS_TOKEN if one is set.
  const metricsServer = config.workerMetricsPort ? await boot.metricsServer({ ...config, metrics: { ...config.metrics, port: config.workerMetricsPort } }, app.get(Metrics), () => app.close()) : null;
  log.info(`worker started on ${describeDatabase(config)}${metricsServer ? `; metrics on port ${metricsServer.port}` : ''}`);
  boot.onShutdown(async (signal) => {
    log.info(`worker stopping (${signal})`);
    await metricsServer?.close();
    // Closing the application stops the job queue first, letting runs in flight finish.
    await app.close();
    log.info('worker stopped');
  }, config.shutdownGraceMs);
});
