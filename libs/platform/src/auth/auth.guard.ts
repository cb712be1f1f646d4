import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../http/problem';
import { IS_PUBLIC } from '../http/public.decorator';
import { AccessTokenVerifier, bearerToken } from './access-token-verifier';
import type { Permission } from './permissions';
import { hasPermissions } from './permissions';
import type { Principal } from './principal';
import { REQUIRED_PERMISSIONS } from './require-permission.decorator';

type Req = { headers: Record<string, string | string[] | undefined>; user?: Principal };

/**
 * The global guard: @Public() routes pass; every other route needs a valid access token and the
 * permissions its @RequirePermission names, read from the one matrix. A route with neither is
 * closed (fail safe), and the route-guards test flags it.
 */
@Injectable()
export class MapleAuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AccessTokenVerifier) private readonly tokens: AccessTokenVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<Req>();
    // Whatever is wrong with the token (none, bad signature, wrong alg/iss/aud, expired): one 401.
    const principal = this.tokens.verify(bearerToken(req.headers.authorization));
    if (!principal) throw new UnauthorizedException({ code: 'UNAUTHORIZED', message: 'A valid access token is required.' });
    req.user = principal;
    const required = this.reflector.getAllAndOverride<Permission[] | undefined>(REQUIRED_PERMISSIONS, targets);
    if (!required?.length) throw new DomainError('AUTH.FORBIDDEN', 'This route declares no permission and is closed.');
    if (!hasPermissions(principal, required)) throw new DomainError('AUTH.FORBIDDEN', `Your role may not do this (needs ${required.join(', ')}).`);
    return true;
  }
}
