/** Audit: the AuditLog projection, hash-chain verification, signed checkpoints, exports, retention. */
export { AuditModule } from './audit.module';
export { AuditService, AUDIT_SIGNER } from './audit.service';
export type { ViewRecord } from './audit.service';
export { AuditActions } from './domain/audit-actions';
export type { AuditAction } from './domain/audit-actions';
export { AuditError } from './domain/audit.errors';
export type { AuditErrorCode } from './domain/audit.errors';
export { diffStates, evolveFlat } from './domain/entity-state';
export type { Changes, FlatState } from './domain/entity-state';
export { auditLogProjection, auditCompanyOf } from './projections/audit-log.projection';
export { entityHistory, entityStateAt } from './queries/entity-history.query';
export type { EntityState, HistoryEntry, HistoryPage } from './queries/entity-history.query';
export { searchAuditLogs } from './queries/search-logs.query';
export type { AuditLogEntry, AuditLogFilter, AuditLogPage } from './queries/search-logs.query';
export { ChainChecker } from './chain/chain-check';
export type { ChainBreak, ChainedEvent } from './chain/chain-check';
export { verifyChain } from './chain/verify-chain';
export type { VerifyRequest, VerifyResult } from './chain/verify-chain';
export { createCheckpoint, latestCheckpoint } from './chain/checkpoints';
export type { SignedCheckpoint } from './chain/checkpoints';
export { exportEvents } from './chain/export';
export type { ExportRequest } from './chain/export';
export { verifyExport } from './chain/offline-verify';
export type { OfflineResult } from './chain/offline-verify';
export { loadSigner, verifyClaim, keyIdOf } from './signing/signing-key';
export type { CheckpointClaim, Signer } from './signing/signing-key';
export {
  ensureAuditPartitions,
  dropAuditPartition,
  listAuditPartitions,
  runRetention,
  RETENTION_YEARS,
} from './retention/partitions';
export type { AuditPartition, RetentionReport } from './retention/partitions';
export {
  createBackup,
  listBackups,
  restoreBackup,
  readBackupManifest,
  resolveBackupFile,
  pruneBackups,
  runScheduledBackup,
  backupFileName,
} from './backup/backups';
export type { BackupListing, BackupResult } from './backup/backups';
export { verifyRestore } from './backup/backup-verify';
export type { ChainProblem, ChainReport, RestoreVerification, VerifyOptions } from './backup/backup-verify';
export type { BackupManifest, ChainSnapshot } from './backup/backup-manifest';
export { recordPersonalDataViews } from './pii-access-log';
