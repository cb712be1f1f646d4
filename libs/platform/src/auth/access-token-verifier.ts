import { createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
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
 * What passport-jwt (JwtStrategy) verifies access tokens with: signature (HS256 only), issuer,
 * audience and expiry (5 s of clock tolerance), then the claims' shape. The key object is made
 * once: handed a string, jsonwebtoken parses it into a key on every call (first trying it as a PEM
 * public key), which took about a quarter of the API's CPU under load. `key` exists for the
 * benchmark's baseline.
 */
export class AccessTokenVerifier {
  readonly options: { algorithms: [typeof ACCESS_TOKEN_ALGORITHM]; issuer: string; audience: string; clockTolerance: number };

  constructor(
    auth: AuthConfig,
    readonly key: KeyObject | string = createSecretKey(Buffer.from(auth.jwtSecret, 'utf8')),
  ) {
    this.options = { algorithms: [ACCESS_TOKEN_ALGORITHM], issuer: auth.issuer, audience: auth.audience, clockTolerance: 5 };
  }

  /** The caller a verified token's claims name, or null when the claims are not Maple's. */
  principalOf(payload: Partial<AccessTokenClaims>): Principal | null {
    const company = payload.company;
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || !isRole(payload.role)) return null;
    if (company !== null && typeof company !== 'string') return null;
    return { userId: payload.sub, companyId: company, role: payload.role, jti: payload.jti };
  }
}
