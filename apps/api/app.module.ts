import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@maple/platform';
import { AiModule } from '@maple/ai';
import { AnalyticsModule } from '@maple/analytics';
import { AuditModule } from '@maple/audit';
import { BillingModule } from '@maple/billing';
import { ComplianceModule } from '@maple/compliance';
import { HrModule } from '@maple/hr';
import { IdentityModule } from '@maple/identity';
import { RelayModule } from '@maple/relay';
import { TenancyModule } from '@maple/tenancy';
import { WorkflowModule } from '@maple/workflow';
import type { PlatformOptions } from '@maple/platform';

/** Wires the bounded contexts into one HTTP application. */
@Module({})
export class AppModule {
  static register(opts: PlatformOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(opts), AuditModule, TenancyModule, IdentityModule, BillingModule, ComplianceModule, HrModule, AiModule, AnalyticsModule, WorkflowModule, RelayModule],
    };
  }
}
