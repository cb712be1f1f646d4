/**
 * How long a first request holds its key before another may take over or is told the outcome.
 * It outlasts any one request (a transaction times out at 30 s); it only decides how soon a key
 * whose process died is usable again, never whether a command can run twice (the fence does).
 */
export const LEASE_MS = 60_000;

/** Seconds a client is asked to wait while the first request with its key is still running. */
export const IN_PROGRESS_RETRY_AFTER_SEC = 1;

/** What becomes of a key once its request has an answer. */
export type Outcome = 'store' | 'release' | 'lost';

/**
 * - A success is stored and replayed to every retry.
 * - A failure that wrote nothing (every 4xx, a 5xx before the command committed, a refusal
 *   before the handler) releases the key: nothing happened, so the retry runs again.
 * - A failure after a command committed under the key (`executed`): a 4xx is the answer of a
 *   request that did change something, so it is stored; a 5xx has no answer worth replaying and
 *   the retry must not run the command again, so the key stays "carried out, response lost".
 */
export function outcomeOf(status: number, executed: boolean): Outcome {
  if (status < 400) return 'store';
  if (!executed) return 'release';
  return status < 500 ? 'store' : 'lost';
}
