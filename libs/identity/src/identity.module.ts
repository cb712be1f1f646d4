import { Inject, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { ProjectionRegistry, Upcasters } from '@maple/platform';
import { TenancyModule } from '@maple/tenancy';
import { AccessTokens } from './application/access-tokens';
import { AuthService } from './application/auth.service';
import { BootstrapAdmin } from './application/bootstrap-admin';
import { Credentials } from './application/credentials';
import { RefreshTokens } from './application/refresh-tokens';
import { SignIn } from './application/sign-in';
import { UserCommands } from './application/user.commands';
import { UserQueries } from './application/user.queries';
import { registerUserUpcasters } from './domain/user.upcasters';
import { AuthController } from './http/auth.controller';
import { UsersController } from './http/users.controller';
import { userProjection } from './projections/user.projection';

@Module({
  imports: [TenancyModule],
  controllers: [AuthController, UsersController],
  providers: [UserQueries, Credentials, RefreshTokens, UserCommands, AccessTokens, SignIn, AuthService, BootstrapAdmin],
  exports: [UserQueries, UserCommands, AuthService, BootstrapAdmin],
})
export class IdentityModule implements OnModuleInit {
  constructor(
    @Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry,
    @Inject(Upcasters) private readonly upcasters: Upcasters,
  ) {}

  onModuleInit(): void {
    // Before any read: version-1 user events lose their password hash on the way out of the store.
    registerUserUpcasters(this.upcasters);
    this.projections.registerInline(userProjection);
  }
}
