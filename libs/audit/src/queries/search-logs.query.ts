import type { Database, DbScope } from '@maple/platform';
import { AuditError } from '../domain/audit.errors';
import { withoutSecrets } from '../domain/secrets';

export type AuditLogFilter = {
  entityType?: string;
  entityId?: string;
  userId?: string;
  action?: string;
  from?: Date;
  to?: Date;
};

export type AuditLogEntry = {
  id: string;
  action: string;
  entityType: string;
  entityId: string;
  userId: string;
  companyId: string;
  changes: unknown;
  ipAddress: string | null;
  userAgent: string | null;
  timestamp: string;
};

export type AuditLogPage = { items: AuditLogEntry[]; nextCursor: string | null };

// The cursor is the last row's (timestamp, id): stable under concurrent inserts, newest first.
function decodeCursor(c: string): { ts: Date; id: string } {
  const [ts, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
  const d = new Date(ts);
  if (!id || Number.isNaN(d.getTime()))
    throw new AuditError('AUDIT.CURSOR_INVALID', 'The cursor is not one this API returned.');
  return { ts: d, id };
}

const encodeCursor = (ts: Date, id: string) =>
  Buffer.from(`${ts.toISOString()}|${id}`, 'utf8').toString('base64url');

/** Searches AuditLog newest first; the time range lets PostgreSQL prune monthly partitions. */
export async function searchAuditLogs(
  db: Database,
  scope: DbScope,
  f: AuditLogFilter,
  limit: number,
  cursor?: string,
): Promise<AuditLogPage> {
  const after = cursor ? decodeCursor(cursor) : null;
  const rows = await db.prismaTransaction(
    (tx) =>
      tx.prisma.auditLog.findMany({
        where: {
          entityType: f.entityType,
          entityId: f.entityId,
          userId: f.userId,
          action: f.action,
          timestamp: { gte: f.from, lt: f.to },
          ...(after
            ? { OR: [{ timestamp: { lt: after.ts } }, { timestamp: after.ts, id: { lt: after.id } }] }
            : {}),
        },
        orderBy: [{ timestamp: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      }),
    scope,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      userId: r.userId,
      companyId: r.companyId,
      // Rows are append-only evidence: those written from version-1 user events hold the password
      // hash, so secrets are filtered here, on the way out.
      changes: withoutSecrets(r.changes),
      ipAddress: r.ipAddress,
      userAgent: r.userAgent,
      timestamp: r.timestamp.toISOString(),
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.timestamp, last.id) : null,
  };
}
