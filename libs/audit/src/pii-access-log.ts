import { randomUUID } from 'node:crypto';
import type { PersonalDataView, Tx } from '@maple/platform';

/**
 * The PII access log: one AuditLog VIEW row per person whose sensitive data a read revealed,
 * written in the reading transaction (the platform's reader calls it; a read that cannot be
 * logged fails). entityType 'DataSubject', entityId the subject; `changes` says which fields,
 * the purpose, whether it was a break-glass read, and which entity the read went through.
 */
export async function recordPersonalDataViews(tx: Tx, views: readonly PersonalDataView[]): Promise<void> {
  if (!views.length) return;
  await tx.execute(
    `INSERT INTO "AuditLog" ("id", "action", "entityType", "entityId", "userId", "companyId", "changes", "ipAddress", "userAgent", "timestamp")
     SELECT v.id, 'VIEW', 'DataSubject', v.subject, v.usr, v.company, v.changes, v.ip, v.ua, (clock_timestamp() AT TIME ZONE 'UTC')
       FROM jsonb_to_recordset($1::jsonb) AS v(id text, subject text, usr text, company text, changes jsonb, ip text, ua text)`,
    JSON.stringify(
      views.map((v) => ({
        id: randomUUID(),
        subject: v.subjectId,
        usr: v.userId,
        company: v.companyId,
        changes: { fields: v.fields, purpose: v.purpose, breakGlass: v.breakGlass, via: { entityType: v.entityType, entityId: v.entityId } },
        ip: v.ip,
        ua: v.userAgent,
      })),
    ),
  );
}
