import { Inject, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { PersonalData, ProjectionRegistry } from '@maple/platform';
import { AuditModule } from '@maple/audit';
import { COMPLIANCE_SETTINGS, ComplianceRecords, RISK_MODEL } from './application/compliance-records';
import { SanctionsStore } from './application/sanctions-store';
import { SCREENER } from './application/screener';
import { COMPLIANCE_EVENT_PRIVACY, COMPLIANCE_FIELD_RULES } from './domain/compliance-privacy';
import { rulesRiskModel } from './domain/risk-model';
import { ComplianceRetention } from './retention/compliance-retention';
import { ComplianceController } from './http/compliance.controller';
import { ScreeningController } from './http/screening.controller';
import { complianceRecordProjection } from './projections/compliance-record.projection';

// Risk score at or above which two compliance officers must approve; screening score at or
// above which a hit flags the record. Documented in the README (Compliance).
export const DEFAULT_COMPLIANCE_SETTINGS = { highRiskThreshold: 70, screeningThreshold: 0.9 };

@Module({
  imports: [AuditModule],
  controllers: [ComplianceController, ScreeningController],
  providers: [
    SanctionsStore,
    { provide: SCREENER, useExisting: SanctionsStore },
    { provide: RISK_MODEL, useValue: rulesRiskModel },
    { provide: COMPLIANCE_SETTINGS, useValue: DEFAULT_COMPLIANCE_SETTINGS },
    ComplianceRecords,
    ComplianceRetention,
  ],
  exports: [ComplianceRecords, SanctionsStore, ComplianceRetention],
})
export class ComplianceModule implements OnModuleInit {
  constructor(
    @Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry,
    @Inject(PersonalData) private readonly personal: PersonalData,
  ) {}

  onModuleInit(): void {
    this.projections.registerInline(complianceRecordProjection);
    for (const [type, privacy] of Object.entries(COMPLIANCE_EVENT_PRIVACY)) this.personal.registry.registerEvent(type, privacy);
    this.personal.registry.registerFields(COMPLIANCE_FIELD_RULES);
  }
}
