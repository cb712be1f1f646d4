import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Database, EventStore, PersonalData, collectSealed } from '@maple/platform';
import type { DbScope, ReadContext } from '@maple/platform';
import { createCheckpoint } from './chain/checkpoints';
import type { SignedCheckpoint } from './chain/checkpoints';
import { exportEvents } from './chain/export';
import type { ExportRequest } from './chain/export';
import { verifyChain } from './chain/verify-chain';
import type { VerifyRequest, VerifyResult } from './chain/verify-chain';
import { AuditActions } from './domain/audit-actions';
import { entityHistory, entityStateAt } from './queries/entity-history.query';
import type { EntityState, HistoryPage } from './queries/entity-history.query';
import { searchAuditLogs } from './queries/search-logs.query';
import type { AuditLogFilter, AuditLogPage } from './queries/search-logs.query';
import type { Signer } from './signing/signing-key';

export const AUDIT_SIGNER = Symbol('AUDIT_SIGNER');

/** A read of a sensitive entity, recorded as a VIEW row. */
export type ViewRecord = {
  entityType: string;
  entityId: string;
  userId: string;
  companyId: string;
  ip?: string | null;
  userAgent?: string | null;
};

/** The audit context's operations, for controllers, the CLI, the worker and other contexts. */
@Injectable()
export class AuditService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(AuditActions) private readonly actions: AuditActions,
    @Inject(AUDIT_SIGNER) readonly signer: Signer,
    @Optional() @Inject(PersonalData) private readonly personal?: PersonalData,
  ) {}

  // Sealed personal values in history, state and logs are shown as the reader's field rules
  // allow (decrypted, masked, or a marker such as [hidden] or [erased]); without a reader they
  // stay ciphertext. A sensitive value needs a purpose and leaves a VIEW row; without one it is
  // withheld, so an auditor still sees that it changed. Exports keep the ciphertext: the hash
  // chain covers it.
  private async personalView<T>(scope: DbScope, reader: ReadContext | undefined, value: T): Promise<T> {
    if (!this.personal || !reader || !collectSealed(value).length) return value;
    const personal = this.personal;
    return this.db.transaction((tx) => personal.reader.reveal(tx, reader, scope.companyId ?? '', value), scope);
  }

  /**
   * Records that someone read a sensitive entity (compliance record, HR record, user profile).
   * Call it in the reading transaction's scope; the row is append-only like every audit row.
   */
  async recordView(scope: DbScope, v: ViewRecord): Promise<void> {
    await this.db.transaction(
      (tx) =>
        tx.execute(
          `INSERT INTO "AuditLog" ("id", "action", "entityType", "entityId", "userId", "companyId", "ipAddress", "userAgent", "timestamp")
           VALUES ($1, 'VIEW', $2, $3, $4, $5, $6, $7, (clock_timestamp() AT TIME ZONE 'UTC'))`,
          randomUUID(),
          v.entityType,
          v.entityId,
          v.userId,
          v.companyId,
          v.ip ?? null,
          v.userAgent ?? null,
        ),
      scope,
    );
  }

  async history(scope: DbScope, type: string, id: string, afterVersion = 0, limit = 100, reader?: ReadContext): Promise<HistoryPage> {
    return this.personalView(scope, reader, await entityHistory(this.db, this.store, this.actions, scope, type, id, afterVersion, limit));
  }

  async stateAt(
    scope: DbScope,
    type: string,
    id: string,
    at: { at?: Date; version?: number },
    reader?: ReadContext,
  ): Promise<EntityState> {
    return this.personalView(scope, reader, await entityStateAt(this.db, this.store, this.actions, scope, type, id, at));
  }

  async logs(scope: DbScope, filter: AuditLogFilter, limit = 100, cursor?: string, reader?: ReadContext): Promise<AuditLogPage> {
    return this.personalView(scope, reader, await searchAuditLogs(this.db, scope, filter, limit, cursor));
  }

  verify(req: VerifyRequest): Promise<VerifyResult> {
    return verifyChain(this.db, this.signer.publicKeyPem, req);
  }

  checkpoint(companyId: string): Promise<SignedCheckpoint> {
    return createCheckpoint(this.db, this.signer, companyId);
  }

  exportNdjson(req: ExportRequest): AsyncGenerator<string> {
    return exportEvents(this.db, this.signer, req);
  }

  publicKey(): { keyId: string; algorithm: 'Ed25519'; publicKeyPem: string; ephemeral: boolean } {
    return {
      keyId: this.signer.keyId,
      algorithm: 'Ed25519',
      publicKeyPem: this.signer.publicKeyPem,
      ephemeral: this.signer.ephemeral,
    };
  }
}
