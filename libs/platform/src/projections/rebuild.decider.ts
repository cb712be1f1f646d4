import type { Command, Decider } from '../cqrs/decider';
import type { DomainEvent } from '../event-store/event.types';
import { RebuildError } from './rebuild.errors';

// A rebuild replaces read tables, the audit log among them: it leaves an event, and so an audit
// row, saying who rebuilt what from how many events, on the platform's chain.
export type ProjectionRebuilt = DomainEvent<
  'ProjectionRebuilt',
  { run: string; projections: string[]; tables: string[]; events: number; rows: Record<string, number>; swapLockMs: number; differences: Record<string, { onlyLive: number; onlyRebuilt: number }> | null }
>;
export type RecordProjectionRebuild = Command<'RecordProjectionRebuild'> & { report: Omit<ProjectionRebuilt['data'], 'differences'> & { differences?: ProjectionRebuilt['data']['differences'] } };

export const projectionRebuildStreamId = (run: string) => `projection-rebuild-${run}`;

/** One stream per rebuild run, recorded once. */
export const projectionRebuildDecider: Decider<RecordProjectionRebuild, ProjectionRebuilt, { recorded: boolean }> = {
  initialState: { recorded: false },
  decide(cmd, state) {
    if (state.recorded) throw new RebuildError('REBUILD.ALREADY_RECORDED', `Rebuild ${cmd.report.run} is already recorded.`);
    const { run, projections, tables, events, rows, swapLockMs, differences } = cmd.report;
    return [{ type: 'ProjectionRebuilt', data: { run, projections, tables, events, rows, swapLockMs, differences: differences ?? null } }];
  },
  evolve: () => ({ recorded: true }),
};
