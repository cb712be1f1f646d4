import { Inject, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { PersonalData, ProjectionRegistry } from '@maple/platform';
import { AuditModule } from '@maple/audit';
import { BillingModule } from '@maple/billing';
import { IdentityModule } from '@maple/identity';
import { HrRecords } from './application/hr-records.commands';
import { HrRetention } from './application/hr-retention';
import { HrReviews } from './application/reviews.commands';
import { SubjectAccessExport } from './application/subject-export';
import { HrSubjects } from './application/subjects.commands';
import { hrFieldRules } from './domain/hr-fields';
import { HR_EVENT_PRIVACY } from './domain/hr-privacy';
import { CandidatesController } from './http/candidates.controller';
import { EmployeesController } from './http/employees.controller';
import { HrRecordsController } from './http/hr-records.controller';
import { RetentionController } from './http/retention.controller';
import { ReviewsController } from './http/reviews.controller';
import { SubjectsController } from './http/subjects.controller';
import { hrRecordProjection } from './projections/hr-record.projection';
import { hrSubjectProjection } from './projections/hr-subject.projection';
import { HrReads } from './queries/hr-reads';
import { hrRelations } from './queries/hr-view';

/** Registers HR's personal data with the platform: sealed event fields, the field matrix, relations. */
export function registerHrPersonalData(personal: PersonalData): void {
  for (const [type, privacy] of Object.entries(HR_EVENT_PRIVACY)) personal.registry.registerEvent(type, privacy);
  personal.registry.registerFields(hrFieldRules());
  personal.registry.registerRelations('hr/', (tx, userId, companyId, subjects) => hrRelations(tx, userId, companyId, subjects));
}

/** HR: candidates, employees and performance reviews, with their personal data protected by the platform. */
@Module({
  imports: [AuditModule, BillingModule, IdentityModule],
  controllers: [HrRecordsController, CandidatesController, EmployeesController, ReviewsController, SubjectsController, RetentionController],
  providers: [HrRecords, HrReviews, HrSubjects, HrRetention, HrReads, SubjectAccessExport],
  exports: [HrRecords, HrReviews, HrSubjects, HrRetention, HrReads, SubjectAccessExport],
})
export class HrModule implements OnModuleInit {
  constructor(
    @Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry,
    @Inject(PersonalData) private readonly personal: PersonalData,
  ) {}

  onModuleInit(): void {
    registerHrPersonalData(this.personal);
    this.projections.registerInline(hrRecordProjection);
    this.projections.registerInline(hrSubjectProjection);
  }
}
