import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Permission } from './permissions';

export const REQUIRED_PERMISSIONS = 'maple:permissions';

/**
 * The permissions a route needs (all of them). Also written into the OpenAPI document as
 * `x-permissions`, so the security tests walking the document know each route's rule.
 */
export function RequirePermission(...permissions: [Permission, ...Permission[]]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    ApiBearerAuth(),
    ApiExtension('x-permissions', permissions),
    ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: missing, expired or invalid access token (problem+json)' }),
    ApiForbiddenResponse({ description: `AUTH.FORBIDDEN: needs ${permissions.join(', ')} (problem+json)` }),
  );
}

/** Alias read as a noun on controllers: `@Permissions('users:manage')`. */
export const Permissions = RequirePermission;
