import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/database';
import type { StoredEvent } from '../event-store/event.types';

/**
 * Writes read tables from events. Inline projections run in the append's transaction
 * (read-your-writes); async ones are run by the projection daemon from checkpoints.
 * Either way `apply` must be idempotent for its own table's rows.
 */
export type Projection = {
  name: string;
  /** Event types handled; others are skipped without a call. '*' handles everything. */
  handles: readonly string[] | '*';
  /**
   * Every table the projection writes, by its unqualified name (as the SQL names it). A rebuild
   * fills fresh copies of them, found first on the search path, and swaps them in; a table
   * written by several projections is rebuilt by replaying all of them together.
   */
  tables: readonly string[];
  apply(tx: Tx, event: StoredEvent): Promise<void>;
  /** Optional faster path for catch-up and rebuilds: the same effect as applying each in order. */
  applyBatch?(tx: Tx, events: readonly StoredEvent[]): Promise<void>;
};

export function handlesEvent(p: Projection, type: string): boolean {
  return p.handles === '*' || p.handles.includes(type);
}

/** Applies events in order, through applyBatch when the projection has one. */
export async function applyAll(p: Projection, tx: Tx, events: readonly StoredEvent[]): Promise<void> {
  const mine = events.filter((e) => handlesEvent(p, e.type));
  if (!mine.length) return;
  if (p.applyBatch) return p.applyBatch(tx, mine);
  for (const e of mine) await p.apply(tx, e);
}

/**
 * A rule another context holds over events it does not own (for example billing's seat limit
 * over identity's user events). Checked in the append's transaction, before the inline
 * projections; throwing refuses the command and rolls everything back.
 */
export type Invariant = {
  name: string;
  /** Event types checked; '*' checks every event (the platform's idempotency fence). */
  handles: readonly string[] | '*';
  check(tx: Tx, event: StoredEvent): Promise<void>;
};

/** The inline and async projections of all contexts; contexts register theirs at start-up. */
@Injectable()
export class ProjectionRegistry {
  private readonly inlines: Projection[] = [];
  private readonly asyncs = new Map<string, Projection>();
  private readonly invariants: Invariant[] = [];

  registerInvariant(i: Invariant): void {
    if (!this.invariants.some((j) => j.name === i.name)) this.invariants.push(i);
  }

  async checkInvariants(tx: Tx, events: readonly StoredEvent[]): Promise<void> {
    for (const e of events) for (const i of this.invariants) if (i.handles === '*' || i.handles.includes(e.type)) await i.check(tx, e);
  }

  registerInline(p: Projection): void {
    if (!this.inlines.some((q) => q.name === p.name)) this.inlines.push(p);
  }

  registerAsync(p: Projection): void {
    this.asyncs.set(p.name, p);
  }

  inline(): readonly Projection[] {
    return this.inlines;
  }

  async(): Projection[] {
    return [...this.asyncs.values()];
  }

  get(name: string): Projection | undefined {
    return this.asyncs.get(name) ?? this.inlines.find((p) => p.name === name);
  }

  /** Every projection and how it runs, inline ones first, each in the order it was registered. */
  entries(): { projection: Projection; inline: boolean }[] {
    return [...this.inlines.map((projection) => ({ projection, inline: true })), ...[...this.asyncs.values()].map((projection) => ({ projection, inline: false }))];
  }

  async applyInline(tx: Tx, events: readonly StoredEvent[]): Promise<void> {
    for (const e of events) for (const p of this.inlines) if (handlesEvent(p, e.type)) await p.apply(tx, e);
  }
}
