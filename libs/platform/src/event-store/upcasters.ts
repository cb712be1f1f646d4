import { UpcastError } from './event-store.errors';

type Upcaster = (data: unknown) => unknown;

/**
 * Stored events are never rewritten. When an event's shape changes, its type's current
 * schema version goes up and an upcaster lifts each older version one step on read.
 */
export class Upcasters {
  private readonly steps = new Map<string, Upcaster>();
  private readonly current = new Map<string, number>();

  /** Registers the step from `fromVersion` to `fromVersion + 1` for `type`. */
  register(type: string, fromVersion: number, up: Upcaster): this {
    this.steps.set(`${type}@${fromVersion}`, up);
    this.current.set(type, Math.max(this.current.get(type) ?? 1, fromVersion + 1));
    return this;
  }

  currentVersion(type: string): number {
    return this.current.get(type) ?? 1;
  }

  upcast(type: string, schemaVersion: number, data: unknown): { data: unknown; schemaVersion: number } {
    const target = this.currentVersion(type);
    let v = schemaVersion;
    let d = data;
    while (v < target) {
      const step = this.steps.get(`${type}@${v}`);
      if (!step) throw new UpcastError(type, v, target);
      d = step(d);
      v++;
    }
    return { data: d, schemaVersion: v };
  }
}
