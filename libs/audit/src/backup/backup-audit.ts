import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { PLATFORM_CHAIN } from '@maple/platform';
import type { Database } from '@maple/platform';

export type BackupRun = {
  /** 'Backup' (made), 'BackupRestore' (restored into this database), 'BackupVerification' (drill result). */
  entityType: 'Backup' | 'BackupRestore' | 'BackupVerification';
  action: 'CREATE' | 'VIEW';
  file: string;
  actor: string;
  details: Record<string, unknown>;
};

/**
 * One AuditLog row per backup operation, filed under the platform like retention runs: auditors
 * see when backups were made, restored and verified (the monthly drill), by whom, with what result.
 */
export async function auditBackupRun(db: Database, run: BackupRun): Promise<void> {
  const id = randomUUID();
  await db.transaction(
    (tx) =>
      tx.execute(
        `INSERT INTO "AuditLog" ("id", "action", "entityType", "entityId", "userId", "companyId", "changes", "timestamp")
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, (now() AT TIME ZONE 'UTC'))`,
        id,
        run.action,
        run.entityType,
        path.basename(run.file),
        run.actor,
        PLATFORM_CHAIN,
        JSON.stringify({ after: run.details }),
      ),
    { allCompanies: true },
  );
}
