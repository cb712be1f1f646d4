import type { Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { AppConfig } from '../config/config';
import { AccessTokenVerifier } from './access-token-verifier';
import { mapleAuthGuard } from './auth.guard';
import { FieldPolicyInterceptor } from './field-policy.interceptor';
import { jwtStrategyNamed } from './jwt.strategy';

/** Global authentication, permission checks and field filtering, for PlatformModule. */
let applications = 0;

export function authProviders(config: AppConfig, verifier?: AccessTokenVerifier): Provider[] {
  const strategy = `maple-jwt-${++applications}`;
  const JwtStrategy = jwtStrategyNamed(strategy);
  return [
    { provide: AccessTokenVerifier, useValue: verifier ?? new AccessTokenVerifier(config.auth) },
    { provide: JwtStrategy, inject: [AccessTokenVerifier], useFactory: (v: AccessTokenVerifier) => new JwtStrategy(v) },
    { provide: APP_GUARD, useClass: mapleAuthGuard(strategy) },
    { provide: APP_INTERCEPTOR, useClass: FieldPolicyInterceptor },
  ];
}
