import { createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { DomainError } from '../http/problem';
import type { Principal } from './principal';

export function principalOf(req: { user?: unknown }): Principal {
  // The guard sets it on every non-public route; reaching here without one is a wiring bug.
  if (!req.user) throw new DomainError('AUTH.UNAUTHORIZED', 'Authentication is required.');
  return req.user as Principal;
}

/** The verified caller of the current request. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => principalOf(ctx.switchToHttp().getRequest<{ user?: unknown }>()));
