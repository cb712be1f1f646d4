import type { Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { AppConfig } from '../config/config';
import { AccessTokenVerifier } from './access-token-verifier';
import { MapleAuthGuard } from './auth.guard';
import { FieldPolicyInterceptor } from './field-policy.interceptor';

/** Global authentication, permission checks and field filtering, for PlatformModule. */
export function authProviders(config: AppConfig, verifier?: AccessTokenVerifier): Provider[] {
  return [
    { provide: AccessTokenVerifier, useValue: verifier ?? new AccessTokenVerifier(config.auth) },
    { provide: APP_GUARD, useClass: MapleAuthGuard },
    { provide: APP_INTERCEPTOR, useClass: FieldPolicyInterceptor },
  ];
}
