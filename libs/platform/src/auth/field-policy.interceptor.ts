import { Injectable, SetMetadata } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import type { PolicedResource } from './field-policy';
import { applyFieldPolicy } from './field-policy';
import type { Principal } from './principal';

export const FIELD_POLICY_RESOURCE = 'maple:fieldPolicy';

/** Marks a route's response as `resource` rows, filtered per caller by the central field policy. */
export const FieldPolicy = (resource: PolicedResource): MethodDecorator & ClassDecorator => SetMetadata(FIELD_POLICY_RESOURCE, resource);

/** Global: serializes responses of @FieldPolicy routes through the field policy. */
@Injectable()
export class FieldPolicyInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const resource = this.reflector.getAllAndOverride<PolicedResource | undefined>(FIELD_POLICY_RESOURCE, [context.getHandler(), context.getClass()]);
    if (!resource) return next.handle();
    const user = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    // No caller means no role to grant restricted fields to: the most restrictive view.
    const who = user ?? { role: 'VIEWER' as const, companyId: '' };
    return next.handle().pipe(map((body) => applyFieldPolicy(resource, who, body)));
  }
}
