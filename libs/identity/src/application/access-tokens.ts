import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ACCESS_TOKEN_ALGORITHM, APP_CONFIG } from '@maple/platform';
import type { AppConfig, Role } from '@maple/platform';

/** Signs short-lived access tokens: sub, company, role, iss, aud, exp, jti. */
@Injectable()
export class AccessTokens {
  private readonly jwt: JwtService;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.jwt = new JwtService({ secret: config.auth.jwtSecret });
  }

  sign(who: { userId: string; companyId: string | null; role: Role }): { accessToken: string; expiresIn: number } {
    const a = this.config.auth;
    const accessToken = this.jwt.sign(
      { company: who.companyId, role: who.role },
      { algorithm: ACCESS_TOKEN_ALGORITHM, subject: who.userId, issuer: a.issuer, audience: a.audience, expiresIn: a.accessTokenTtlSec, jwtid: randomUUID() },
    );
    return { accessToken, expiresIn: a.accessTokenTtlSec };
  }
}
