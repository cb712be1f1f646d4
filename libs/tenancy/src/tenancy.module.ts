import { Inject, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { ProjectionRegistry } from '@maple/platform';
import { CompanyCommands } from './application/company.commands';
import { CompanyQueries } from './application/company.queries';
import { CompaniesController } from './http/companies.controller';
import { companyProjection } from './projections/company.projection';

@Module({
  controllers: [CompaniesController],
  providers: [CompanyCommands, CompanyQueries],
  exports: [CompanyCommands, CompanyQueries],
})
export class TenancyModule implements OnModuleInit {
  constructor(@Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry) {}

  onModuleInit(): void {
    this.projections.registerInline(companyProjection);
  }
}
