import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainError } from '../http/problem';
import { IS_PUBLIC } from '../http/public.decorator';
import type { Permission } from './permissions';
import { hasPermissions } from './permissions';
import type { Principal } from './principal';
import { REQUIRED_PERMISSIONS } from './require-permission.decorator';

/**
 * The global guard: @Public() routes pass; every other route needs a valid access token
 * (passport-jwt, through the strategy named `strategy`: see jwtStrategyNamed) and the permissions
 * its @RequirePermission names, read from the one matrix. A route with neither is closed (fail
 * safe), and the route-guards test flags it.
 */
export function mapleAuthGuard(strategy: string) {
  @Injectable()
  class MapleAuthGuard extends AuthGuard(strategy) {
    constructor(@Inject(Reflector) private readonly reflector: Reflector) {
      super();
    }

    override async canActivate(context: ExecutionContext): Promise<boolean> {
      const targets = [context.getHandler(), context.getClass()];
      if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
      await super.canActivate(context);
      const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
      if (!principal)
        throw new UnauthorizedException({
          code: 'UNAUTHORIZED',
          message: 'A valid access token is required.',
        });
      const required = this.reflector.getAllAndOverride<Permission[] | undefined>(
        REQUIRED_PERMISSIONS,
        targets,
      );
      if (!required?.length)
        throw new DomainError('AUTH.FORBIDDEN', 'This route declares no permission and is closed.');
      if (!hasPermissions(principal, required))
        throw new DomainError('AUTH.FORBIDDEN', `Your role may not do this (needs ${required.join(', ')}).`);
      return true;
    }

    // Whatever passport reports (no token, bad signature, wrong alg/iss/aud, expired): one 401.
    override handleRequest<T>(err: unknown, user: T | false): T {
      if (err || !user)
        throw new UnauthorizedException({
          code: 'UNAUTHORIZED',
          message: 'A valid access token is required.',
        });
      return user;
    }
  }
  return MapleAuthGuard;
}
