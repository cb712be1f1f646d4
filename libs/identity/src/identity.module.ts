import { Inject, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { ProjectionRegistry } from '@maple/platform';
import { TenancyModule } from '@maple/tenancy';
import { AccessTokens } from './application/access-tokens';
import { AuthService } from './application/auth.service';
import { BootstrapAdmin } from './application/bootstrap-admin';
import { RefreshTokens } from './application/refresh-tokens';
import { UserCommands } from './application/user.commands';
import { UserQueries } from './application/user.queries';
import { AuthController } from './http/auth.controller';
import { UsersController } from './http/users.controller';
import { userProjection } from './projections/user.projection';

@Module({
  imports: [TenancyModule],
  controllers: [AuthController, UsersController],
  providers: [UserQueries, UserCommands, AccessTokens, RefreshTokens, AuthService, BootstrapAdmin],
  exports: [UserQueries, UserCommands, AuthService, BootstrapAdmin],
})
export class IdentityModule implements OnModuleInit {
  constructor(@Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry) {}

  onModuleInit(): void {
    this.projections.registerInline(userProjection);
  }
}
