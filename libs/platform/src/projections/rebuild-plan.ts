import type { Projection } from '../cqrs/projection';
import { RebuildError } from './rebuild.errors';

/** What one rebuild replays and swaps: projections that share tables are rebuilt together. */
export type RebuildPlan = {
  projections: readonly Projection[];
  tables: readonly string[];
  /** Inline tables are written by commands during the rebuild; async ones only by the daemon. */
  mode: 'inline' | 'async';
};

/**
 * The plan for rebuilding `name`: its tables, every projection that writes one of them, their
 * tables in turn, and so on. Billing's projection writes User.subscriptionId, so rebuilding
 * User replays identity's and billing's projections into fresh User and Subscription tables;
 * replaying only one of them would lose the other's columns.
 */
export function planRebuild(registered: readonly { projection: Projection; inline: boolean }[], name: string): RebuildPlan {
  const start = registered.find((r) => r.projection.name === name);
  if (!start) {
    const known = registered.filter((r) => r.projection.tables.length).map((r) => r.projection.name);
    throw new RebuildError('REBUILD.PROJECTION_NOT_FOUND', `Unknown projection "${name}". Rebuildable: ${known.join(', ') || 'none'}.`, { known });
  }
  if (!start.projection.tables.length) throw new RebuildError('REBUILD.NO_TABLES', `${name} writes no tables, so there is nothing to rebuild.`);
  const tables = new Set(start.projection.tables);
  const chosen = new Set([start]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of registered) {
      if (chosen.has(r) || !r.projection.tables.some((t) => tables.has(t))) continue;
      chosen.add(r);
      r.projection.tables.forEach((t) => tables.add(t));
      grew = true;
    }
  }
  // Registration order is the order inline projections run in a command: replay keeps it.
  const members = registered.filter((r) => chosen.has(r));
  const modes = new Set(members.map((r) => r.inline));
  if (modes.size > 1) {
    throw new RebuildError('REBUILD.MIXED_MODES', `Tables ${[...tables].join(', ')} are written by inline and async projections (${members.map((r) => r.projection.name).join(', ')}); they cannot be rebuilt together.`);
  }
  return { projections: members.map((r) => r.projection), tables: [...tables], mode: members[0].inline ? 'inline' : 'async' };
}

/** Every distinct rebuild of the registered projections (for `projections rebuild --all`). */
export function planAll(registered: readonly { projection: Projection; inline: boolean }[]): RebuildPlan[] {
  const plans: RebuildPlan[] = [];
  for (const r of registered) {
    if (!r.projection.tables.length || plans.some((p) => p.projections.includes(r.projection))) continue;
    plans.push(planRebuild(registered, r.projection.name));
  }
  return plans;
}
