import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '@maple/platform';

/** What a checkpoint signature covers (signed as canonical JSON, UTF-8). */
export type CheckpointClaim = { companyId: string; position: string; headHash: string; signedAt: string };

export type Signer = {
  keyId: string;
  publicKeyPem: string;
  ephemeral: boolean;
  sign(claim: CheckpointClaim): string;
};

/**
 * The checkpoint signer over the configured Ed25519 key (config.audit.signingKey, read and
 * checked by the platform's config). Without one, outside production, an ephemeral key is
 * generated: its checkpoints cannot be verified after a restart (the config's start-up warning
 * says so).
 */
export function loadSigner(configured?: KeyObject): Signer {
  const key = configured ?? generateKeyPairSync('ed25519').privateKey;
  const ephemeral = configured === undefined;
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
