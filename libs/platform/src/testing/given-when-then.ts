import type { Command, Decider } from '../cqrs/decider';
import { fold } from '../cqrs/decider';
import { DomainError } from '../http/problem';
import type { DomainEvent } from '../event-store/event.types';

// Decider specs read as the rule they check:
//   given(decider, [created]).when(approve).then([approved])
//   given(decider, [created]).when(selfReview).thenThrows('COMPLIANCE.SELF_REVIEW')
// `expect` is jest's global: these helpers are only called from specs.

type Expect = (v: unknown) => { toEqual(v: unknown): void; toBe(v: unknown): void };
const expectFn = (): Expect => (globalThis as unknown as { expect: Expect }).expect;

export function given<C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>, history: E[] = []) {
  return {
    when(command: C) {
      const run = () => decider.decide(command, fold(decider, history));
      return {
        then(expected: E[]): void {
          expectFn()(run()).toEqual(expected);
        },
        thenThrows(code: string): void {
          let caught: unknown;
          try {
            run();
          } catch (e) {
            caught = e;
          }
          expectFn()(caught instanceof DomainError ? caught.code : caught === undefined ? 'no error thrown' : String(caught)).toBe(code);
        },
        /** The resulting state after the decided events, for assertions beyond the events. */
        state(): S {
          return run().reduce((s, e) => decider.evolve(s, e), fold(decider, history));
        },
      };
    },
  };
}
