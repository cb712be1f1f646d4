import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CurrentPrincipal, Meta, Public, RequirePermission } from '@maple/platform';
import type { CommandMeta, Principal } from '@maple/platform';
import { AuthService } from '../application/auth.service';
import { UserQueries } from '../application/user.queries';
import { ChangePasswordDto, LoginDto, LogoutDto, RefreshDto, TOKEN_PAIR_EXAMPLE } from './dto/auth.dto';
import { USER_EXAMPLE } from './dto/user.dto';

/** Sign-in, token refresh, sign-out, password change, and who am I. */
@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(UserQueries) private readonly users: UserQueries,
  ) {}

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with e-mail and password: a short-lived access token and a rotating refresh token' })
  @ApiOkResponse({ schema: { example: TOKEN_PAIR_EXAMPLE } })
  @ApiUnauthorizedResponse({ description: 'IDENTITY.INVALID_CREDENTIALS' })
  @ApiTooManyRequestsResponse({ description: 'IDENTITY.RATE_LIMITED: too many failures from this address' })
  login(@Body() body: LoginDto, @Meta() meta: CommandMeta) {
    return this.auth.login(body.email, body.password, meta);
  }

  @Post('auth/refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Swap a refresh token for a new pair; presenting a used one revokes its whole family' })
  @ApiOkResponse({ schema: { example: TOKEN_PAIR_EXAMPLE } })
  @ApiUnauthorizedResponse({ description: 'IDENTITY.REFRESH_TOKEN_INVALID' })
  refresh(@Body() body: RefreshDto, @Meta() meta: CommandMeta) {
    return this.auth.refreshTokens(body.refreshToken, meta);
  }

  @Post('auth/logout')
  @HttpCode(200)
  @RequirePermission('self:manage')
  @ApiOperation({ summary: "Sign out: revoke the given refresh token's session, or all of the caller's sessions" })
  @ApiOkResponse({ schema: { example: { revoked: 2 } } })
  logout(@Body() body: LogoutDto, @CurrentPrincipal() who: Principal) {
    return this.auth.logout(who, body.refreshToken);
  }

  @Post('auth/password')
  @HttpCode(200)
  @RequirePermission('self:manage')
  @ApiOperation({ summary: "Change the caller's password; every existing session is revoked" })
  @ApiOkResponse({ schema: { example: { revokedSessions: 3 } } })
  @ApiBadRequestResponse({ description: 'IDENTITY.PASSWORD_INVALID: too short or too common' })
  changePassword(@Body() body: ChangePasswordDto, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    return this.auth.changePassword(who, body.currentPassword, body.newPassword, meta);
  }

  @Get('me')
  @RequirePermission('self:read')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ schema: { example: USER_EXAMPLE } })
  me(@CurrentPrincipal() who: Principal) {
    // One's own row, whatever the company (platform administrators have none).
    return this.users.get({ allCompanies: true }, who.userId);
  }
}
