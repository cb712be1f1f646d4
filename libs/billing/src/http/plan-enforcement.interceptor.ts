import { Inject, Injectable, SetMetadata } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { REQUIRED_PERMISSIONS } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { EntitlementsService } from '../application/entitlements.service';
import type { Module } from '../domain/entitlements';

export const REQUIRED_MODULE = 'maple:requiredModule';

/** The plan module a route belongs to: 403 BILLING.FEATURE_NOT_IN_PLAN when the tier lacks it. */
export const RequiresModule = (module: Module): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_MODULE, module);

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Enforces the plan on every company request, after authentication (interceptors run after
 * guards): the per-company rate limit of the tier, the module of the route, and "a suspended
 * company can read but not write". Managing one's own session (self:*) is always allowed.
 */
@Injectable()
export class PlanEnforcementInterceptor implements NestInterceptor {
  constructor(
    @Inject(EntitlementsService) private readonly entitlements: EntitlementsService,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = ctx.switchToHttp().getRequest<{ user?: Principal; method: string }>();
    const p = req.user;
    if (!p?.companyId) return next.handle();
    const targets = [ctx.getHandler(), ctx.getClass()];
    const perms = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PERMISSIONS, targets) ?? [];
    if (perms.length && perms.every((x) => x.startsWith('self:'))) return next.handle();
    const module = this.reflector.getAllAndOverride<Module | undefined>(REQUIRED_MODULE, targets);
    await this.entitlements.enforce(p.companyId, { module, write: !READS.has(req.method) });
    return next.handle();
  }
}
