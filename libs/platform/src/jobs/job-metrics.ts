import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { JobStatus } from './job.types';

export type RunOutcome = 'completed' | 'failed';

/**
 * Prometheus metrics of the job queue. The label is job_name: Prometheus reserves `job` for the
 * scrape target. Runs and durations are counted by the process that ran
 * them (sum them across workers); queue depth is read from the database at scrape time, so any
 * process shows the whole cluster's queue.
 */
export class JobMetrics {
  private readonly runs: Counter<'job_name' | 'outcome'>;
  private readonly duration: Histogram<'job_name' | 'outcome'>;

  constructor(registry: Registry, status: () => Promise<JobStatus[]>) {
    this.runs = new Counter({ name: 'job_runs_total', help: 'Job runs by outcome (a failed run is retried until its retries are used up)', labelNames: ['job_name', 'outcome'], registers: [registry] });
    this.duration = new Histogram({
      name: 'job_duration_seconds',
      help: 'How long job runs took',
      labelNames: ['job_name', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers: [registry],
    });
    new Gauge({
      name: 'job_queue_depth',
      help: 'Jobs by state: queued (waiting for their time or a worker), active, retrying, failed in the last 24 h',
      labelNames: ['job_name', 'state'],
      registers: [registry],
      async collect() {
        // A scrape must not fail because the database is briefly away: keep the last values.
        const rows = await status().catch(() => undefined);
        if (!rows) return;
        this.reset();
        for (const r of rows) {
          this.set({ job_name: r.name, state: 'queued' }, r.queued);
          this.set({ job_name: r.name, state: 'active' }, r.active);
          this.set({ job_name: r.name, state: 'retrying' }, r.retrying);
          this.set({ job_name: r.name, state: 'failed' }, r.failedLast24h);
        }
      },
    });
  }

  /** Starts timing a run; the returned function records its outcome. */
  started(job: string): (outcome: RunOutcome) => void {
    const end = this.duration.startTimer({ job_name: job });
    return (outcome) => {
      end({ outcome });
      this.runs.inc({ job_name: job, outcome });
    };
  }
}
