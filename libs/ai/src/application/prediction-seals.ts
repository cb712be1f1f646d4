import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database, EventStore } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { leafHash, merkleRoot, unpackLeaves } from '../domain/merkle';
import type { PredictionsSealed } from '../domain/prediction.events';
import { sealStreamId } from '../projections/oversight.projection';
import type { PredictionRow } from './predictions';

export type SealProblem = { batchId: string; position: number | null; predictionId: string | null; problem: 'altered' | 'missing' | 'unexpected' | 'batch-missing' | 'leaves-altered' };
export type SealReport = { ok: boolean; sealedBatches: number; verifiedBatches: number; unsealedBatches: number; predictions: number; problems: SealProblem[] };

const SEAL_LIMIT = 2000;

type Stored = {
  company_id: string; prediction_id: string; batch_id: string; batch_index: number; model_id: string; version_id: string; input_hash: string; input: unknown; output: unknown;
  explanation: unknown; caller: string; purpose: string; latency_ms: number; recorded_at: Date;
};

const rowOf = (r: Stored): PredictionRow => ({
  companyId: r.company_id,
  predictionId: r.prediction_id,
  batchId: r.batch_id,
  batchIndex: r.batch_index,
  modelId: r.model_id,
  versionId: r.version_id,
  inputHash: r.input_hash,
  input: r.input,
  output: r.output,
  explanation: r.explanation,
  caller: r.caller,
  purpose: r.purpose,
  latencyMs: r.latency_ms,
  recordedAt: new Date(r.recorded_at).toISOString(),
});

/**
 * Seals prediction batches into each company's hash chain (one AiPredictionsSealed event per
 * company and run, the worker runs it every minute) and verifies stored predictions against
 * the roots the chain holds.
 */
@Injectable()
export class AiPredictionSeals {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(EventStore) private readonly store: EventStore,
  ) {}

  /** Seals every unsealed batch; returns how many batches were sealed per company. */
  async sealDue(meta: CommandMeta): Promise<{ companyId: string; batches: number }[]> {
    const companies = await this.db.transaction(
      (tx) => tx.query<{ company_id: string }>(`SELECT DISTINCT b.company_id FROM ai_prediction_batches b WHERE NOT EXISTS (SELECT 1 FROM ai_prediction_seals s WHERE s.company_id = b.company_id AND s.batch_id = b.batch_id)`),
      { allCompanies: true },
    );
    const out: { companyId: string; batches: number }[] = [];
    for (const { company_id: companyId } of companies) out.push({ companyId, batches: await this.sealCompany(companyId, { ...meta, companyId }) });
    return out;
  }

  async sealCompany(companyId: string, meta: CommandMeta): Promise<number> {
    return this.runner.within({ id: sealStreamId(companyId), type: 'AiPredictionLog', companyId }, meta, async (tx, append) => {
      // One sealer per company at a time: two would seal the same batches twice.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, `ai-seal-${companyId}`);
      const batches = await tx.query<{ batch_id: string; root: string; count: number }>(
        `SELECT b.batch_id, b.root, b.count FROM ai_prediction_batches b
          WHERE b.company_id = $1 AND NOT EXISTS (SELECT 1 FROM ai_prediction_seals s WHERE s.company_id = b.company_id AND s.batch_id = b.batch_id)
          ORDER BY b.recorded_at, b.batch_id LIMIT ${SEAL_LIMIT}`,
        companyId,
      );
      if (!batches.length) return 0;
      const sealed: PredictionsSealed = { type: 'AiPredictionsSealed', data: { sealId: randomUUID(), batches: batches.map((b) => ({ batchId: b.batch_id, root: b.root, count: b.count })) } };
      await append([sealed]);
      return batches.length;
    });
  }

  /** Recomputes every sealed batch of the company from its stored rows and compares with the chain. */
  async verify(companyId: string): Promise<SealReport> {
    return this.db.transaction(async (tx) => {
      // The roots as the chain holds them (the events, which the chain verification covers).
      const events = await this.store.readStream(tx, sealStreamId(companyId));
      const sealed = new Map<string, { root: string; count: number }>();
      for (const e of events) if (e.type === 'AiPredictionsSealed') for (const b of (e.data as PredictionsSealed['data']).batches) sealed.set(b.batchId, { root: b.root, count: b.count });
      const stored = await tx.query<{ batch_id: string; leaves: Buffer }>(`SELECT batch_id, leaves FROM ai_prediction_batches WHERE company_id = $1`, companyId);
      const leavesOf = new Map(stored.map((b) => [b.batch_id, unpackLeaves(Buffer.from(b.leaves))]));
      const problems: SealProblem[] = [];
      let verified = 0;
      let predictions = 0;
      for (const [batchId, seal] of sealed) {
        const rows = (await tx.query<Stored>(`SELECT * FROM ai_predictions WHERE company_id = $1 AND batch_id = $2 ORDER BY batch_index`, companyId, batchId)).map(rowOf);
        predictions += rows.length;
        const kept = leavesOf.get(batchId);
        if (!kept && !rows.length) {
          problems.push({ batchId, position: null, predictionId: null, problem: 'batch-missing' });
          continue;
        }
        const byIndex = new Map(rows.map((r) => [r.batchIndex, r]));
        const leaves = Array.from({ length: seal.count }, (_, i) => (byIndex.has(i) ? leafHash(byIndex.get(i)) : Buffer.alloc(32)));
        if (rows.length === seal.count && rows.every((r, i) => r.batchIndex === i) && merkleRoot(leaves) === seal.root) {
          verified++;
          continue;
        }
        // The root no longer matches: the leaves kept with the batch locate the changed row.
        const keptOk = kept !== undefined && kept.length === seal.count && merkleRoot(kept) === seal.root;
        if (!keptOk) problems.push({ batchId, position: null, predictionId: null, problem: 'leaves-altered' });
        for (let i = 0; i < seal.count; i++) {
          const r = byIndex.get(i);
          if (!r) problems.push({ batchId, position: i, predictionId: null, problem: 'missing' });
          else if (kept && kept[i] && !kept[i].equals(leaves[i])) problems.push({ batchId, position: i, predictionId: r.predictionId, problem: 'altered' });
        }
        for (const r of rows) if (r.batchIndex >= seal.count) problems.push({ batchId, position: r.batchIndex, predictionId: r.predictionId, problem: 'unexpected' });
      }
      const unsealed = stored.filter((b) => !sealed.has(b.batch_id)).length;
      return { ok: problems.length === 0, sealedBatches: sealed.size, verifiedBatches: verified, unsealedBatches: unsealed, predictions, problems };
    }, { companyId });
  }
}
