import { createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { AuthConfig } from '../config/config';
import type { Principal } from './principal';
import { isRole } from './principal';

/** The only algorithm accepted: `alg: none`, RS/ES confusion and anything else fail verification. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';

export type AccessTokenClaims = { sub: string; company: string | null; role: string; jti: string; iss: string; aud: string; exp: number; iat: number };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(authorization: string | string[] | undefined): string | null {
  const m = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
  return m ? m[1] : null;
}

/**
 * Verifies access tokens: signature (HS256 only), issuer, audience and expiry (5 s of clock
 * tolerance), then the claims' shape. The key object is made once: handed a string, jsonwebtoken
 * parses it into a key on every call (first trying it as a PEM public key), which took about a
 * quarter of the API's CPU under load. `key` exists for the benchmark's baseline.
 */
export class AccessTokenVerifier {
  private readonly jwt: JwtService;

  constructor(auth: AuthConfig, key: KeyObject | string = createSecretKey(Buffer.from(auth.jwtSecret, 'utf8'))) {
    this.jwt = new JwtService({
      secret: key,
      verifyOptions: { algorithms: [ACCESS_TOKEN_ALGORITHM], issuer: auth.issuer, audience: auth.audience, ignoreExpiration: false, clockTolerance: 5 },
    });
  }

  /** The caller a valid token names, or null for anything else (no token, bad signature, wrong alg/iss/aud, expired, odd claims). */
  verify(token: string | null): Principal | null {
    if (!token) return null;
    let payload: Partial<AccessTokenClaims>;
    try {
      payload = this.jwt.verify<Partial<AccessTokenClaims>>(token);
    } catch {
      return null;
    }
    const company = payload.company;
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || !isRole(payload.role)) return null;
    if (company !== null && typeof company !== 'string') return null;
    return { userId: payload.sub, companyId: company, role: payload.role, jti: payload.jti };
  }
}
