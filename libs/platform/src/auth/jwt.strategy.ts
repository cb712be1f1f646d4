import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AccessTokenClaims, AccessTokenVerifier } from './access-token-verifier';
import type { Principal } from './principal';

/**
 * passport-jwt under a name of the application's own (passport keeps strategies in one registry
 * per process, so two applications in one process, such as the tests', must not share one):
 * signature, algorithm, issuer, audience and expiry are checked before validate(), with the
 * verifier's key object (never a string parsed per request).
 */
export function jwtStrategyNamed(name: string) {
  return class JwtStrategy extends PassportStrategy(Strategy, name) {
    constructor(private readonly verifier: AccessTokenVerifier) {
      super({
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // jsonwebtoken takes a KeyObject; passport-jwt hands it over as it is, though its types
        // only name strings and buffers.
        secretOrKey: verifier.key as unknown as string,
        algorithms: verifier.options.algorithms,
        issuer: verifier.options.issuer,
        audience: verifier.options.audience,
        ignoreExpiration: false,
        jsonWebTokenOptions: { clockTolerance: verifier.options.clockTolerance },
      });
    }

    validate(payload: Partial<AccessTokenClaims>): Principal | false {
      return this.verifier.principalOf(payload) ?? false;
    }
  };
}
