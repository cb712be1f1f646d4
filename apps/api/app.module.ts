import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@maple/platform';
import { AuditModule } from '@maple/audit';
import { IdentityModule } from '@maple/identity';
import { TenancyModule } from '@maple/tenancy';
import type { PlatformOptions } from '@maple/platform';

/** Wires the bounded contexts into one HTTP application. */
@Module({})
export class AppModule {
  static register(opts: PlatformOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(opts), AuditModule, TenancyModule, IdentityModule],
    };
  }
}
