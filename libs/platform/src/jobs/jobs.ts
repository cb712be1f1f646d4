import type { BeforeApplicationShutdown } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config';
import type { Database } from '../database/database';
import type { Metrics } from '../metrics/metrics';
import { embeddedQueueDb } from './embedded-queue-db';
import { JobMetrics } from './job-metrics';
import { QUEUE_SCHEMA, readJobStatus } from './job-status';
import type { JobDefinition, JobRun, JobStatus, JobsMode, ScheduleOptions } from './job.types';
import { keyedJobId } from './keyed-job-id';

/** Timings of the queue; the defaults suit production, tests shorten them. */
export type JobsTimings = {
  pollSeconds: number;
  cronMonitorSeconds: number;
  maintenanceSeconds: number;
};

// A cron tick is queued at most cronMonitorSeconds after its time (one cheap UPDATE per check).
const DEFAULT_TIMINGS: JobsTimings = { pollSeconds: 2, cronMonitorSeconds: 10, maintenanceSeconds: 120 };
const DEFAULT_RETRY = { limit: 3, delaySeconds: 30, backoff: true };
const DEFAULT_TIMEOUT_SECONDS = 15 * 60;
// deadlock_detected, unique_violation, duplicate_table
const RACE_CODES = new Set(['40P01', '23505', '42P07']);

type JobsLog = Pick<Logger, 'info' | 'error' | 'warn'>;

/**
 * Durable jobs on PostgreSQL through pg-boss: cron schedules that run once per tick across all
 * workers, retries with exponential backoff, and one-off delayed jobs that survive restarts.
 * Every process can schedule; only a process started with `work` runs jobs. On the embedded
 * database the queue's statements go through the Database (see embedded-queue-db.ts).
 */
export class Jobs implements BeforeApplicationShutdown {
  private readonly definitions = new Map<string, JobDefinition<never>>();
  private boss: PgBoss | undefined;
  private starting: Promise<PgBoss> | undefined;
  private working = false;
  private bossWorks = false;
  private readonly queuesReady = new Set<string>();
  private log: JobsLog = silentLog;
  private readonly metrics: JobMetrics;

  constructor(
    private readonly db: Database,
    metrics: Metrics,
    private readonly config: Pick<AppConfig, 'database' | 'jobs' | 'shutdownGraceMs'>,
    private readonly timings: JobsTimings = DEFAULT_TIMINGS,
  ) {
    this.metrics = new JobMetrics(metrics.registry, () => this.status());
  }

  /** Declares a job and its handler; contexts call this when their module initialises. */
  register<P>(definition: JobDefinition<P>): void {
    if (this.working) throw new Error(`job ${definition.name} registered after this process started working`);
    if (this.definitions.has(definition.name)) throw new Error(`job ${definition.name} is registered twice`);
    this.definitions.set(definition.name, definition as JobDefinition<never>);
  }

  /**
   * Queues a run of a registered job, durably: it fires once, at `runAt` or as soon as a worker
   * is free, even if every process restarts in between. Returns the job's id.
   */
  async schedule(name: string, payload: Record<string, unknown> = {}, options: ScheduleOptions = {}): Promise<string> {
    const def = this.definitions.get(name);
    if (!def) throw new Error(`unknown job ${name}`);
    const boss = await this.queue();
    await this.ensureQueue(boss, def);
    const send = () => boss.send(name, payload, { startAfter: options.runAt, ...(options.singletonKey ? { id: keyedJobId(name, options.singletonKey), singletonKey: options.singletonKey } : {}) });
    const id = await send();
    if (id) return id;
    if (!options.singletonKey) throw new Error(`job ${name} was not queued`);
    // The keyed job exists already: waiting or running, it stands; finished, it makes room.
    const keyed = keyedJobId(name, options.singletonKey);
    const existing = await boss.getJobById(name, keyed);
    if (existing && ['created', 'retry', 'active'].includes(existing.state)) return keyed;
    await boss.deleteJob(name, keyed);
    return (await send()) ?? keyed;
  }

  /** Cancels a job that has not run yet (a timer that is no longer needed). */
  async cancel(name: string, id: string): Promise<void> {
    await (await this.queue()).cancel(name, id);
  }

  /** Starts the queue in this process; with `work`, also its workers, crons and maintenance. */
  async start(mode: JobsMode, log: JobsLog = silentLog): Promise<void> {
    this.log = log;
    this.working = mode.work;
    // A queue opened earlier only to schedule runs no crons or maintenance: open it anew.
    if (mode.work && (this.boss || this.starting) && !this.bossWorks) await this.stop();
    const boss = await this.queue();
    if (!mode.work) return;
    for (const def of this.definitions.values()) {
      if (def.cron) await boss.schedule(def.name, def.cron, {}, { tz: 'UTC' });
      // pg-boss waits a polling interval after every fetch; while jobs keep coming (a backlog of
      // due timers), the worker is told to fetch again at once.
      let workerId = '';
      workerId = await boss.work(def.name, { pollingIntervalSeconds: this.timings.pollSeconds, batchSize: 1, includeMetadata: true }, async (jobs: PgBoss.JobWithMetadata<Record<string, unknown>>[]) => {
        try {
          return await this.run(def, jobs);
        } finally {
          if (jobs.length && workerId) boss.notifyWorker(workerId);
        }
      });
      if (def.runAtStart) await this.schedule(def.name, {}, { singletonKey: 'worker-start' });
    }
    this.log.info(`jobs: running ${this.definitions.size} job(s) in this process`);
  }

  /** Each job's last run, next run and failures (also `npm run cli -- jobs status`). */
  async status(): Promise<JobStatus[]> {
    return readJobStatus(this.db);
  }

  async stop(): Promise<void> {
    const boss = this.boss ?? (await this.starting?.catch(() => undefined));
    this.boss = undefined;
    this.starting = undefined;
    // Waits for runs in flight, within half the process's shutdown grace; a run cut off is
    // failed and retried by the next worker.
    await boss?.stop({ graceful: true, wait: true, close: true, timeout: Math.max(1000, Math.min(10_000, this.config.shutdownGraceMs / 2)) });
  }

  // Before the database closes (that is onApplicationShutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop().catch((e: unknown) => this.log.error({ err: firstLine(e) }, 'job queue did not stop cleanly'));
  }

  private queue(): Promise<PgBoss> {
    if (this.boss) return Promise.resolve(this.boss);
    this.starting ??= this.open().then((boss) => {
      this.boss = boss;
      return boss;
    });
    return this.starting;
  }

  private async open(): Promise<PgBoss> {
    const connection = this.db.kind === 'embedded' ? { db: embeddedQueueDb(this.db) } : { connectionString: this.config.database.url, max: this.config.jobs.poolSize, application_name: 'maple-jobs' };
    this.bossWorks = this.working;
    const boss = new PgBoss({
      ...connection,
      schema: QUEUE_SCHEMA,
      migrate: true,
      supervise: this.working,
      schedule: this.working,
      pollingIntervalSeconds: this.timings.pollSeconds,
      cronMonitorIntervalSeconds: this.timings.cronMonitorSeconds,
      cronWorkerIntervalSeconds: Math.max(1, this.timings.pollSeconds),
      maintenanceIntervalSeconds: this.timings.maintenanceSeconds,
    });
    boss.on('error', (e: Error) => this.log.error({ err: firstLine(e) }, 'job queue error'));
    await boss.start();
    this.queuesReady.clear();
    for (const def of this.definitions.values()) await this.ensureQueue(boss, def);
    return boss;
  }

  private async ensureQueue(boss: PgBoss, def: JobDefinition<never>): Promise<void> {
    if (this.queuesReady.has(def.name)) return;
    const retry = def.retry ?? DEFAULT_RETRY;
    const queue = { name: def.name, retryLimit: retry.limit, retryDelay: retry.delaySeconds, retryBackoff: retry.backoff, expireInSeconds: def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS };
    // Workers starting together race to create a queue (its partition table): the loser of a
    // deadlock or a duplicate tries again and finds the queue made.
    for (let attempt = 1; !(await boss.getQueue(def.name)); attempt++) {
      try {
        await boss.createQueue(def.name, queue);
      } catch (e) {
        if (attempt >= 5 || !RACE_CODES.has((e as { code?: string }).code ?? '')) throw e;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
      }
    }
    // A changed retry policy applies to runs queued from now on.
    await boss.updateQueue(def.name, queue);
    this.queuesReady.add(def.name);
  }

  private async run(def: JobDefinition<never>, jobs: PgBoss.JobWithMetadata<Record<string, unknown>>[]): Promise<{ summary: string }> {
    const job = jobs[0];
    const run: JobRun = { jobId: job.id, name: def.name, attempt: job.retryCount + 1 };
    const stopTimer = this.metrics.started(def.name);
    try {
      const summary = (await def.handler(job.data as never, run)) ?? 'done';
      stopTimer('completed');
      this.log.info({ job: def.name, attempt: run.attempt }, summary);
      return { summary };
    } catch (e) {
      stopTimer('failed');
      const message = firstLine(e);
      this.log.error({ job: def.name, attempt: run.attempt, err: message }, 'job failed; the queue retries it with backoff');
      // The queue stores the error it is given: the message, not a stack trace.
      const stored = new Error(message);
      stored.stack = message;
      throw stored;
    }
  }
}

const silentLog: JobsLog = { info: () => undefined, error: () => undefined, warn: () => undefined } as unknown as JobsLog;

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
