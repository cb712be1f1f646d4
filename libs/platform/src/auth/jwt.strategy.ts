import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AppConfig } from '../config/config';
import type { Principal } from './principal';
import { isRole } from './principal';

/** The only algorithm accepted: `alg: none`, RS/ES confusion and anything else fail verification. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';

export type AccessTokenClaims = { sub: string; company: string | null; role: string; jti: string; iss: string; aud: string; exp: number; iat: number };

/** passport-jwt (built by authProviders with the app's config): signature, algorithm, issuer, audience and expiry are checked before validate(). */
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.auth.jwtSecret,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 5 },
    });
  }

  validate(payload: Partial<AccessTokenClaims>): Principal | false {
    const company = payload.company;
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || !isRole(payload.role)) return false;
    if (company !== null && typeof company !== 'string') return false;
    return { userId: payload.sub, companyId: company, role: payload.role, jti: payload.jti };
  }
}
