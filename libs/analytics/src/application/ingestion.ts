import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, CommandRunner } from '@maple/platform';
import type { AppConfig, CommandMeta, Tx } from '@maple/platform';
import { EntitlementsService } from '@maple/billing';
import type { AnalyticsBatchSealed } from '../domain/analytics.events';
import { batchDigest, placement, readEvent } from '../domain/event-intake';
import type { IntakeEvent, Rejection } from '../domain/event-intake';
import { batchesStreamId } from '../projections/analytics.projection';
import { insertEventRows } from './event-rows';

export type Quarantined = { index: number; messageId: string; reason: 'future' | 'too_late' };

/** What a batch did, event by event: stored, already stored (a replay), quarantined or rejected. */
export type IngestResult = {
  batchId: string | null;
  received: number;
  stored: number;
  duplicates: number;
  quarantined: Quarantined[];
  rejected: Rejection[];
  digest: string | null;
};

/**
 * Segment-compatible ingestion. Events are validated one by one; the valid ones are written in
 * bulk in ONE transaction that also records their messageIds (exact de-duplication per
 * company), adds them to the rollups and appends the batch's seal to the company's chain.
 */
@Injectable()
export class AnalyticsIngestion {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(EntitlementsService) private readonly entitlements: EntitlementsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async ingest(
    companyId: string,
    raws: readonly unknown[],
    batchSentAt: Date | null,
    meta: CommandMeta,
  ): Promise<IngestResult> {
    // The request itself was counted by the plan interceptor; a batch counts each further event.
    await this.entitlements.countUnits(companyId, raws.length - 1);
    const receivedAt = meta.now;
    const valid: { index: number; event: IntakeEvent }[] = [];
    const rejected: Rejection[] = [];
    raws.forEach((raw, index) => {
      const r = readEvent(raw, index, { receivedAt, batchSentAt, newId: randomUUID });
      if (r.ok) valid.push({ index, event: r.event });
      else rejected.push(r.rejection);
    });
    // A messageId twice in one batch is stored once, like a replay.
    const seen = new Set<string>();
    const unique = valid.filter((v) => !seen.has(v.event.messageId) && seen.add(v.event.messageId));
    if (!unique.length)
      return {
        batchId: null,
        received: raws.length,
        stored: 0,
        duplicates: valid.length,
        quarantined: [],
        rejected,
        digest: null,
      };
    const batchId = randomUUID();
    const stream = { id: batchesStreamId(companyId), type: 'AnalyticsBatches', companyId };
    return this.runner.within(stream, meta, async (tx, append) => {
      const fresh = await this.claimMessageIds(
        tx,
        companyId,
        unique.map((v) => v.event.messageId),
        receivedAt,
      );
      const news = unique.filter((v) => fresh.has(v.event.messageId));
      const store: IntakeEvent[] = [];
      const quarantined: Quarantined[] = [];
      for (const v of news) {
        const p = placement(v.event, this.config.analytics.lateWindowDays);
        if (p.kind === 'store') store.push(v.event);
        else quarantined.push({ index: v.index, messageId: v.event.messageId, reason: p.reason });
      }
      const result = {
        batchId: null as string | null,
        received: raws.length,
        stored: 0,
        duplicates: valid.length - news.length,
        quarantined,
        rejected,
        digest: null as string | null,
      };
      if (!news.length) return result;
      result.stored = await insertEventRows(tx, companyId, batchId, store);
      await this.quarantine(
        tx,
        companyId,
        batchId,
        news.filter((v) => quarantined.some((q) => q.index === v.index)).map((v) => v.event),
        quarantined,
      );
      const digest = batchDigest(store);
      const times = store.map((e) => e.timestamp.getTime());
      const seal: AnalyticsBatchSealed = {
        type: 'AnalyticsBatchSealed',
        data: {
          batchId,
          events: store.length,
          quarantined: quarantined.length,
          digest,
          firstAt: times.length ? new Date(Math.min(...times)).toISOString() : null,
          lastAt: times.length ? new Date(Math.max(...times)).toISOString() : null,
        },
      };
      await append([seal]);
      return { ...result, batchId, digest };
    });
  }

  // The messageIds not seen in the window, now claimed; a concurrent batch with the same ids
  // waits on the unique key and then finds them taken, so nothing is stored twice.
  private async claimMessageIds(tx: Tx, companyId: string, ids: string[], at: Date): Promise<Set<string>> {
    const rows = await tx.query<{ message_id: string }>(
      `INSERT INTO "analytics_message_ids" ("company_id", "message_id", "received_at") SELECT $1, m, $3::timestamptz FROM unnest($2::text[]) AS m
       ON CONFLICT DO NOTHING RETURNING "message_id"`,
      companyId,
      ids,
      at.toISOString(),
    );
    return new Set(rows.map((r) => r.message_id));
  }

  private async quarantine(
    tx: Tx,
    companyId: string,
    batchId: string,
    events: IntakeEvent[],
    why: Quarantined[],
  ): Promise<void> {
    if (!events.length) return;
    const reason = new Map(why.map((q) => [q.messageId, q.reason]));
    await tx.execute(
      `INSERT INTO "analytics_quarantine" ("company_id", "id", "message_id", "batch_id", "reason", "event", "received_at")
       SELECT $1, t.id, t.m, $2, t.r, t.e::jsonb, $3::timestamptz FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS t(id, m, r, e)`,
      companyId,
      batchId,
      events[0].receivedAt.toISOString(),
      events.map((e) => e.id),
      events.map((e) => e.messageId),
      events.map((e) => reason.get(e.messageId) ?? 'future'),
      events.map((e) =>
        JSON.stringify({
          ...e,
          timestamp: e.timestamp.toISOString(),
          sentAt: e.sentAt?.toISOString() ?? null,
          receivedAt: e.receivedAt.toISOString(),
        }),
      ),
    );
  }
}
