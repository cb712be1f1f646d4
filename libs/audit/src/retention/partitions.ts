import { randomUUID } from 'node:crypto';
import { PLATFORM_CHAIN } from '@maple/platform';
import type { Database, Tx } from '@maple/platform';
import { AuditError } from '../domain/audit.errors';

export type AuditPartition = { name: string; from: Date | null; to: Date | null };

export type RetentionReport = {
  runId: string;
  dryRun: boolean;
  cutoff: string;
  dropped: string[];
  refused: { name: string; reason: string }[];
};

/** Compliance rule: audit rows are kept 10 years (the SQL function enforces it too). */
export const RETENTION_YEARS = 10;

const ALL = { allCompanies: true };

/**
 * Creates AuditLog's monthly partitions from last month to `monthsAhead` months ahead; returns
 * the ones created. For the worker to run daily (idempotent).
 */
export async function ensureAuditPartitions(db: Database, monthsAhead = 3): Promise<string[]> {
  const rows = await db.transaction(
    (tx) => tx.query<{ name: string }>('SELECT audit_ensure_partitions($1::int) AS name', monthsAhead),
    ALL,
  );
  return rows.map((r) => r.name);
}

export async function listAuditPartitions(tx: Tx): Promise<AuditPartition[]> {
  const rows = await tx.query<{ name: string; from_ts: string | null; to_ts: string | null }>(
    `SELECT name, to_char(from_ts, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS from_ts, to_char(to_ts, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS to_ts FROM audit_partitions()`,
  );
  return rows.map((r) => ({
    name: r.name,
    from: r.from_ts ? new Date(r.from_ts) : null,
    to: r.to_ts ? new Date(r.to_ts) : null,
  }));
}

/** Drops one partition, or refuses (AUDIT.RETENTION_REFUSED) unless it is entirely older than 10 years. */
export async function dropAuditPartition(tx: Tx, name: string, dryRun = false): Promise<string> {
  try {
    const [r] = await tx.query<{ name: string }>(
      'SELECT audit_drop_partition($1, $2::boolean) AS name',
      name,
      dryRun,
    );
    return r.name;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /AUDIT\.RETENTION_REFUSED: ([^\n"]*)/.exec(msg);
    if (m) throw new AuditError('AUDIT.RETENTION_REFUSED', m[1].trim(), { partition: name });
    throw e;
  }
}

/**
 * One retention run: drops (or, dry, lists) every partition entirely older than the retention
 * period; `requested` names are checked too and refused when younger. The run itself is written
 * to AuditLog (entityType 'AuditRetention') in the same transaction as the drops.
 */
export async function runRetention(
  db: Database,
  opts: { dryRun: boolean; actor: string; requested?: string[] },
): Promise<RetentionReport> {
  return db.transaction(
    async (tx) => {
      const [{ cutoff }] = await tx.query<{ cutoff: string }>(
        `SELECT to_char((now() AT TIME ZONE 'UTC') - make_interval(years => $1::int), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS cutoff`,
        RETENTION_YEARS,
      );
      const cut = new Date(cutoff);
      const parts = await listAuditPartitions(tx);
      const report: RetentionReport = {
        runId: randomUUID(),
        dryRun: opts.dryRun,
        cutoff,
        dropped: [],
        refused: [],
      };
      const wanted = new Set([
        ...parts.filter((p) => p.to && p.to <= cut).map((p) => p.name),
        ...(opts.requested ?? []),
      ]);
      for (const name of wanted) {
        const p = parts.find((x) => x.name === name || x.name === `audit.${name}`);
        if (!p || !p.to || p.to > cut) {
          report.refused.push({
            name,
            reason: !p ? 'not a partition of AuditLog' : `holds rows younger than ${RETENTION_YEARS} years`,
          });
          continue;
        }
        report.dropped.push(await dropAuditPartition(tx, p.name, opts.dryRun));
      }
      await tx.execute(
        `INSERT INTO "AuditLog" ("id", "action", "entityType", "entityId", "userId", "companyId", "changes", "timestamp")
         VALUES ($1, 'DELETE', 'AuditRetention', $1, $2, $3, $4::jsonb, (now() AT TIME ZONE 'UTC'))`,
        report.runId,
        opts.actor,
        PLATFORM_CHAIN,
        JSON.stringify({
          before: { partitions: report.dropped },
          after: { dryRun: report.dryRun, cutoff, refused: report.refused },
        }),
      );
      return report;
    },
    ALL,
    { timeoutMs: 600_000 },
  );
}
