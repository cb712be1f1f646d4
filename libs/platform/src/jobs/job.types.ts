/** What a handler learns about the run it is in. */
export type JobRun = { jobId: string; name: string; /** 1 on the first try, 2 on the first retry, ... */ attempt: number };

/**
 * A named job. `cron` makes it recurring (UTC, five fields, at most once a minute); without it
 * the job runs only when something calls `Jobs.schedule`. The payload is JSON.
 */
export type JobDefinition<P = Record<string, unknown>> = {
  name: string;
  cron?: string;
  /** What the run did, in a few words for the log; throwing fails the run, which is retried. */
  handler: (payload: P, run: JobRun) => Promise<string | void>;
  retry?: { limit: number; delaySeconds: number; backoff: boolean };
  /** Also queue one run when a worker starts (once, however many start together). */
  runAtStart?: boolean;
  /** A run still active after this long is failed (and retried) by the queue's maintenance. */
  timeoutSeconds?: number;
};

export type ScheduleOptions = {
  /** Not before this moment (default: now). */
  runAt?: Date;
  /**
   * While a job with this key waits or runs, scheduling it again queues nothing and returns
   * that job's id (an SLA timer per workflow step, say).
   */
  singletonKey?: string;
};

/** One line of `jobs status`. */
export type JobStatus = {
  name: string;
  cron: string | null;
  lastRunAt: Date | null;
  lastOutcome: 'completed' | 'failed' | null;
  nextRunAt: Date | null;
  queued: number;
  active: number;
  retrying: number;
  /** Runs that used up their retries in the last 24 hours. */
  failedLast24h: number;
  lastError: string | null;
};

export type JobsMode = {
  /** Poll queues, run cron schedules and the queue's maintenance in this process. */
  work: boolean;
};
