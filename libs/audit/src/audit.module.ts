import { Inject, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, PersonalData, ProjectionRegistry } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { AUDIT_SIGNER, AuditService } from './audit.service';
import { AuditActions } from './domain/audit-actions';
import { AuditController } from './http/audit.controller';
import { auditLogProjection } from './projections/audit-log.projection';
import { recordPersonalDataViews } from './pii-access-log';
import { loadSigner } from './signing/signing-key';

/** Auditors' REST API under /audit and the inline AuditLog projection (every event, every context). */
@Module({
  controllers: [AuditController],
  providers: [
    { provide: AuditActions, useValue: new AuditActions() },
    { provide: AUDIT_SIGNER, useFactory: (c: AppConfig) => loadSigner(c.audit.signingKey), inject: [APP_CONFIG] },
    AuditService,
  ],
  exports: [AuditService, AuditActions],
})
export class AuditModule implements OnModuleInit {
  constructor(
    @Inject(ProjectionRegistry) private readonly registry: ProjectionRegistry,
    @Inject(AuditActions) private readonly actions: AuditActions,
    @Inject(PersonalData) private readonly personal: PersonalData,
  ) {}

  onModuleInit(): void {
    // Inline: the audit row commits (or rolls back) with the events it describes.
    this.registry.registerInline(auditLogProjection(this.actions));
    // Reads of sensitive personal data are audited as VIEW rows (PII access log).
    this.personal.registry.setAccessLog(recordPersonalDataViews);
  }
}
