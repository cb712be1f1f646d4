import { Injectable } from '@nestjs/common';

/** Other parts (projection daemon, relays) register checks that readiness runs; 'ok' means healthy. */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, () => Promise<string>>();
  register(name: string, check: () => Promise<string>): void {
    this.checks.set(name, check);
  }
  all(): [string, () => Promise<string>][] {
    return [...this.checks.entries()];
  }
}
