import { given } from '../testing/given-when-then';
import { projectionRebuildDecider } from './rebuild.decider';
import type { ProjectionRebuilt, RecordProjectionRebuild } from './rebuild.decider';

const meta = { commandId: 'c1', now: new Date('2026-12-01T10:00:00Z'), actorId: 'cli:ops', companyId: null, correlationId: 'k1' };
const report = { run: 'maple_rebuild_0a1b2c3d', projections: ['audit-log'], tables: ['AuditLog', 'audit_entity_state'], events: 120, rows: { AuditLog: 120, audit_entity_state: 40 }, swapLockMs: 12.5 };
const record: RecordProjectionRebuild = { type: 'RecordProjectionRebuild', report, meta };
const rebuilt: ProjectionRebuilt = { type: 'ProjectionRebuilt', data: { ...report, differences: null } };

describe('projection rebuild decider', () => {
  it('records a rebuild: what was rebuilt, from how many events, and how long writers waited', () => {
    given(projectionRebuildDecider).when(record).then([rebuilt]);
  });

  it('keeps the row-for-row comparison when one was made', () => {
    const differences = { AuditLog: { onlyLive: 0, onlyRebuilt: 2 }, audit_entity_state: { onlyLive: 0, onlyRebuilt: 0 } };
    given(projectionRebuildDecider).when({ ...record, report: { ...report, differences } }).then([{ type: 'ProjectionRebuilt', data: { ...report, differences } }]);
  });

  it('records a run once', () => {
    given(projectionRebuildDecider, [rebuilt]).when(record).thenThrows('REBUILD.ALREADY_RECORDED');
  });
});
