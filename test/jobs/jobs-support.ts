import type { JobsTimings } from '@maple/platform';

/** Queue timings short enough for tests: poll twice a second, check crons every second. */
export const FAST: JobsTimings = { pollSeconds: 0.5, cronMonitorSeconds: 1, maintenanceSeconds: 60 };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, or fails the test after `timeoutMs` saying what it waited for. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what = String(check)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
