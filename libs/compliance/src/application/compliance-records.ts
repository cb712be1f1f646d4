import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database } from '@maple/platform';
import type { CommandMeta, StoredEvent } from '@maple/platform';
import { complianceRecordDecider } from '../domain/compliance-record.decider';
import type { ComplianceRecordCommand, RecordState, ReviewerRole } from '../domain/compliance-record.decider';
import type { ScreeningEvidence } from '../domain/compliance-record.events';
import { validateClientMetadata, validateRecordData } from '../domain/record-data';
import { MATCHER_REGISTRY, rulesRiskModel } from '../domain/risk-model';
import { MATCHER_VERSION } from '../screening/name-matcher';
import type { RiskModel } from '../domain/risk-model';
import { recordStreamId } from '../projections/compliance-record.projection';
import { getRecord } from '../queries/list-records.query';
import { SCREENER } from './screener';
import type { Screener } from './screener';

export type ComplianceSettings = { highRiskThreshold: number; screeningThreshold: number };
export const COMPLIANCE_SETTINGS = Symbol('COMPLIANCE_SETTINGS');
export const RISK_MODEL = Symbol('RISK_MODEL');

type Result = { state: RecordState; events: StoredEvent[] };

// The screening names the matcher's registry version when it is Maple's own jw-token-1.
const matcherRegistry = (version: string) => (version === MATCHER_VERSION ? { matcherRegistryVersionId: MATCHER_REGISTRY.versionId } : {});

/** Thin shells: gather what the decider needs (screening, risk), run it, return the outcome. */
@Injectable()
export class ComplianceRecords {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(SCREENER) private readonly screener: Screener,
    @Inject(RISK_MODEL) private readonly riskModel: RiskModel = rulesRiskModel,
    @Inject(COMPLIANCE_SETTINGS) private readonly settings: ComplianceSettings,
    @Inject(Database) private readonly db: Database,
  ) {}

  private run(recordId: string, companyId: string, cmd: ComplianceRecordCommand): Promise<Result> {
    return this.runner.run(complianceRecordDecider, { id: recordStreamId(recordId), type: 'ComplianceRecord', companyId }, cmd);
  }

  async create(companyId: string, input: { type: string; data: unknown; metadata?: Record<string, unknown> | null; correctsRecordId?: string | null }, meta: CommandMeta): Promise<{ recordId: string } & Result> {
    // Validate before screening so a bad request costs nothing.
    const data = validateRecordData(input.type, input.data);
    validateClientMetadata(input.metadata);
    // Read in the company's own scope: another company's record id is as unknown as a made-up one.
    const correctedRecordExists = input.correctsRecordId ? (await this.db.transaction((tx) => getRecord(tx, companyId, input.correctsRecordId as string), { companyId })) !== null : undefined;
    let screening: ScreeningEvidence | null = null;
    if (input.type === 'OFAC') {
      // The subject is screened on creation; the evidence travels with the event.
      const r = await this.screener.screen({ name: String(data.name), entityType: data.entityType as 'person', country: data.country as string | undefined, dateOfBirth: data.dateOfBirth as string | undefined, minScore: this.settings.screeningThreshold * 0.9, limit: 10 });
      screening = { listVersion: r.listVersion, matcherVersion: r.matcherVersion, ...matcherRegistry(r.matcherVersion), matcherConfig: r.matcherConfig, threshold: this.settings.screeningThreshold, hits: r.matches.map((m) => ({ entryId: m.entryId, name: m.name, matchedName: m.matchedName, score: m.score, programs: m.programs, breakdown: m.breakdown })) };
    }
    const above = screening?.hits.filter((h) => h.score >= screening!.threshold) ?? [];
    const risk = this.riskModel.assess({ type: input.type, data, screening: screening ? { listVersion: screening.listVersion, topScore: above[0]?.score ?? 0, hits: above.length } : null });
    const recordId = randomUUID();
    const result = await this.run(recordId, companyId, { type: 'CreateComplianceRecord', recordId, companyId, recordType: input.type, data, metadata: input.metadata ?? null, correctsRecordId: input.correctsRecordId ?? null, correctedRecordExists, risk, screening, meta });
    return { recordId, ...result };
  }

  approve(recordId: string, companyId: string, reason: string, actorRole: ReviewerRole, meta: CommandMeta): Promise<Result> {
    return this.run(recordId, companyId, { type: 'ApproveComplianceRecord', reason, actorRole, highRiskThreshold: this.settings.highRiskThreshold, meta });
  }

  reject(recordId: string, companyId: string, reason: string, actorRole: ReviewerRole, meta: CommandMeta): Promise<Result> {
    return this.run(recordId, companyId, { type: 'RejectComplianceRecord', reason, actorRole, meta });
  }

  /**
   * After a new list snapshot: screens again every OFAC subject that is open or approved and
   * was last screened on another list version. New hits are recorded (and flag pending
   * records); hits a reviewer already cleared for the same list entry are not raised again.
   */
  async rescreen(db: Database, meta: CommandMeta): Promise<{ screened: number; flagged: number; listVersion: string | null }> {
    const probe = await this.screener.screen({ name: 'probe', limit: 1 }).catch(() => null);
    if (!probe) return { screened: 0, flagged: 0, listVersion: null };
    const due = await db.transaction(
      (tx) =>
        tx.query<{ id: string; companyId: string; data: Record<string, unknown> }>(
          `SELECT id, "companyId", data FROM "ComplianceRecord"
            WHERE type = 'OFAC' AND status IN ('pending', 'flagged', 'approved')
              AND coalesce(metadata->'lastScreening'->>'listVersion', metadata->'screening'->>'listVersion', '') <> $1`,
          probe.listVersion,
        ),
      { allCompanies: true },
    );
    let flagged = 0;
    for (const r of due) {
      const res = await this.screener.screen({ name: String(r.data.name), entityType: r.data.entityType as 'person', country: r.data.country as string | undefined, dateOfBirth: r.data.dateOfBirth as string | undefined, minScore: this.settings.screeningThreshold * 0.9, limit: 10 });
      const screening: ScreeningEvidence = { listVersion: res.listVersion, matcherVersion: res.matcherVersion, ...matcherRegistry(res.matcherVersion), matcherConfig: res.matcherConfig, threshold: this.settings.screeningThreshold, hits: res.matches.map((m) => ({ entryId: m.entryId, name: m.name, matchedName: m.matchedName, score: m.score, programs: m.programs })) };
      const out = await this.run(r.id, r.companyId, { type: 'RescreenComplianceRecord', screening, meta: { ...meta, commandId: `${meta.commandId}:${r.id}`, companyId: r.companyId } });
      if (out.events.some((e) => e.type === 'ComplianceRecordFlagged')) flagged++;
    }
    return { screened: due.length, flagged, listVersion: probe.listVersion };
  }

  flag(recordId: string, companyId: string, reason: string, actorRole: ReviewerRole, meta: CommandMeta): Promise<Result> {
    return this.run(recordId, companyId, { type: 'FlagComplianceRecord', reason, actorRole, meta });
  }
}
