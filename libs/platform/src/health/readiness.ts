import { Injectable } from '@nestjs/common';

export type ReadinessCheck = { name: string; check: () => Promise<string>; critical: boolean };

/**
 * Other parts (projection daemon, relays) register checks that readiness runs; 'ok' means
 * healthy. A failing critical check fails readiness; a non-critical one is only reported (as a
 * warning), for conditions an operator must see that do not stop this process serving.
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, ReadinessCheck>();
  register(name: string, check: () => Promise<string>, opts: { critical?: boolean } = {}): void {
    this.checks.set(name, { name, check, critical: opts.critical ?? true });
  }
  all(): ReadinessCheck[] {
    return [...this.checks.values()];
  }
}
