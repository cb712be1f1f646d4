import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '@maple/platform';
import { AuditError } from '../domain/audit.errors';

/** What a checkpoint signature covers (signed as canonical JSON, UTF-8). */
export type CheckpointClaim = { companyId: string; position: string; headHash: string; signedAt: string };

export type Signer = {
  keyId: string;
  publicKeyPem: string;
  ephemeral: boolean;
  sign(claim: CheckpointClaim): string;
};

/**
 * Reads AUDIT_SIGNING_KEY: an Ed25519 private key as PEM or as base64 of its PKCS#8 DER. Unset
 * outside production, an ephemeral key is generated (its checkpoints cannot be verified after a
 * restart, hence the warning); unset in production is an error.
 */
export function loadSigner(
  env: NodeJS.ProcessEnv = process.env,
  warn: (msg: string) => void = () => undefined,
): Signer {
  const raw = env.AUDIT_SIGNING_KEY?.trim();
  let key: KeyObject;
  let ephemeral = false;
  if (!raw) {
    if (env.NODE_ENV === 'production')
      throw new AuditError(
        'AUDIT.SIGNING_KEY_MISSING',
        'AUDIT_SIGNING_KEY must be set in production (Ed25519 private key, PEM or base64 PKCS#8).',
      );
    key = generateKeyPairSync('ed25519').privateKey;
    ephemeral = true;
    warn(
      'AUDIT_SIGNING_KEY is not set: audit checkpoints are signed with an ephemeral key that is lost on restart.',
    );
  } else {
    try {
      key = raw.includes('-----BEGIN')
        ? createPrivateKey(raw)
        : createPrivateKey({ key: Buffer.from(raw, 'base64'), format: 'der', type: 'pkcs8' });
    } catch {
      throw new AuditError(
        'AUDIT.SIGNING_KEY_INVALID',
        'AUDIT_SIGNING_KEY is not a readable private key (PEM or base64 PKCS#8).',
      );
    }
    if (key.asymmetricKeyType !== 'ed25519')
      throw new AuditError('AUDIT.SIGNING_KEY_INVALID', 'AUDIT_SIGNING_KEY must be an Ed25519 key.');
  }
  const pub = createPublicKey(key);
  const publicKeyPem = pub.export({ format: 'pem', type: 'spki' }).toString();
  return {
    keyId: keyIdOf(pub),
    publicKeyPem,
    ephemeral,
    sign: (claim) => sign(null, Buffer.from(canonicalJson(claim), 'utf8'), key).toString('base64'),
  };
}

/** Short fingerprint of a public key: first 16 hex digits of SHA-256 over its SPKI DER. */
export function keyIdOf(pub: KeyObject): string {
  return createHash('sha256')
    .update(pub.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
}

/** Checks a checkpoint signature with nothing but the public key (PEM). */
export function verifyClaim(publicKeyPem: string, claim: CheckpointClaim, signatureB64: string): boolean {
  try {
    return verify(
      null,
      Buffer.from(canonicalJson(claim), 'utf8'),
      createPublicKey(publicKeyPem),
      Buffer.from(signatureB64, 'base64'),
    );
  } catch {
    return false;
  }
}
