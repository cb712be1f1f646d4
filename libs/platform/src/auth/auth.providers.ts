import type { Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { AppConfig } from '../config/config';
import { MapleAuthGuard } from './auth.guard';
import { FieldPolicyInterceptor } from './field-policy.interceptor';
import { JwtStrategy } from './jwt.strategy';

/** Global authentication, permission checks and field filtering, for PlatformModule. */
export function authProviders(config: AppConfig): Provider[] {
  return [
    { provide: JwtStrategy, useFactory: () => new JwtStrategy(config) },
    { provide: APP_GUARD, useClass: MapleAuthGuard },
    { provide: APP_INTERCEPTOR, useClass: FieldPolicyInterceptor },
  ];
}
