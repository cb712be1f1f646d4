import { AsyncLocalStorage } from 'node:async_hooks';
import type { Invariant } from '../cqrs/projection';
import type { Tx } from '../database/database';
import type { Claim, IdempotencyStore } from './idempotency.store';

type ClaimScope = { claim: Claim; active: boolean; fenced: WeakSet<Tx> };

const current = new AsyncLocalStorage<ClaimScope>();

/**
 * Runs a request's handler under its claim: every command the handler appends is fenced (see
 * idempotencyFence). `end` is called when the handler is done, so that best-effort work it left
 * behind (subscribers after commit) is not tied to the key any longer.
 */
export function underClaim<T>(claim: Claim, fn: () => T): { value: T; end: () => void } {
  const scope: ClaimScope = { claim, active: true, fenced: new WeakSet() };
  return { value: current.run(scope, fn), end: () => (scope.active = false) };
}

/**
 * The rule that makes "at most once" hold across crashes and take-overs: an event appended
 * while a request runs under an Idempotency-Key is written only if that request still holds the
 * key, and the same transaction marks the key "carried out". It runs as an invariant, in the
 * append's transaction, so the mark commits or rolls back with the events themselves.
 */
export function idempotencyFence(store: IdempotencyStore): Invariant {
  return {
    name: 'platform.idempotency-fence',
    handles: '*',
    async check(tx) {
      const scope = current.getStore();
      if (!scope?.active || scope.fenced.has(tx)) return;
      await store.fence(tx, scope.claim);
      scope.fenced.add(tx);
    },
  };
}
