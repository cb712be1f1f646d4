import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database, DomainError, EventStore } from '@maple/platform';
import type { CommandMeta, Decider } from '@maple/platform';
import { complianceRecordDecider } from '../domain/compliance-record.decider';
import { recordStreamId } from '../projections/compliance-record.projection';

/** Compliance records are kept this many years from their last change (README, Retention). */
export const COMPLIANCE_RETENTION_YEARS = 7;

export type ComplianceRetentionReport = {
  runId: string;
  dryRun: boolean;
  cutoff: string;
  purged: { recordId: string; companyId: string; lastChangedAt: string }[];
  refused: { recordId: string; reason: string }[];
};

// Every run is itself an event (stream compliance-retention-<runId>), so it reaches the
// audit log like any other change, dry runs included.
type RunEvent = { type: 'ComplianceRetentionRun'; data: ComplianceRetentionReport & { retentionYears: number } };
type RunCommand = { type: 'RecordRetentionRun'; report: ComplianceRetentionReport; meta: CommandMeta };
const runDecider: Decider<RunCommand, RunEvent, null> = {
  initialState: null,
  decide: (cmd) => [{ type: 'ComplianceRetentionRun', data: { ...cmd.report, retentionYears: COMPLIANCE_RETENTION_YEARS } }],
  evolve: (s) => s,
};

type Candidate = { id: string; companyId: string; lastChangedAt: Date };

/**
 * Purges compliance records whose last change is older than the retention period: each purge
 * is a ComplianceRecordPurged event on the record's stream (the decider refuses a younger or
 * still open record), which removes the read-model row. Records named explicitly are checked
 * the same way and reported as refused when they may not go yet.
 */
@Injectable()
export class ComplianceRetention {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
    @Inject(EventStore) private readonly store: EventStore,
  ) {}

  async run(opts: { dryRun: boolean; meta: CommandMeta; recordIds?: string[] }): Promise<ComplianceRetentionReport> {
    const now = opts.meta.now;
    const cutoff = new Date(now);
    cutoff.setUTCFullYear(cutoff.getUTCFullYear() - COMPLIANCE_RETENTION_YEARS);
    const report: ComplianceRetentionReport = { runId: randomUUID(), dryRun: opts.dryRun, cutoff: cutoff.toISOString(), purged: [], refused: [] };
    // The last change comes from the event store, not from the row's updatedAt.
    const candidates = await this.db.transaction(
      (tx) =>
        tx.query<Candidate>(
          `SELECT r.id, r."companyId", e.last AS "lastChangedAt"
             FROM "ComplianceRecord" r
             JOIN LATERAL (SELECT max(recorded_at) AS last FROM events WHERE stream_id = 'compliance-record-' || r.id) e ON true
            WHERE r.status IN ('approved', 'rejected') AND e.last < $1
               OR r.id = ANY($2::text[])
            ORDER BY e.last, r.id`,
          cutoff,
          opts.recordIds ?? [],
        ),
      { allCompanies: true },
    );
    for (const name of opts.recordIds ?? []) {
      if (!candidates.some((c) => c.id === name)) report.refused.push({ recordId: name, reason: 'no such compliance record' });
    }
    for (const c of candidates) {
      const meta = { ...opts.meta, commandId: `${opts.meta.commandId}:${c.id}`, companyId: c.companyId };
      const lastChangedAt = new Date(c.lastChangedAt);
      try {
        // A dry run asks the decider without appending: the same rules, nothing written.
        if (opts.dryRun) {
          complianceRecordDecider.decide({ type: 'PurgeComplianceRecord', recordId: c.id, lastChangedAt, retentionYears: COMPLIANCE_RETENTION_YEARS, runId: report.runId, meta }, await this.state(c));
        } else {
          await this.runner.run(complianceRecordDecider, { id: recordStreamId(c.id), type: 'ComplianceRecord', companyId: c.companyId }, {
            type: 'PurgeComplianceRecord',
            recordId: c.id,
            lastChangedAt,
            retentionYears: COMPLIANCE_RETENTION_YEARS,
            runId: report.runId,
            meta,
          });
        }
        report.purged.push({ recordId: c.id, companyId: c.companyId, lastChangedAt: lastChangedAt.toISOString() });
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        report.refused.push({ recordId: c.id, reason: `${e.code}: ${e.message}` });
      }
    }
    await this.runner.run(runDecider, { id: `compliance-retention-${report.runId}`, type: 'ComplianceRetention', companyId: null }, { type: 'RecordRetentionRun', report, meta: opts.meta });
    return report;
  }

  private async state(c: Candidate) {
    const events = await this.db.transaction((tx) => this.store.readStream(tx, recordStreamId(c.id)), { companyId: c.companyId });
    return events.reduce((s, e) => complianceRecordDecider.evolve(s, e as never), complianceRecordDecider.initialState);
  }
}
