import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { keyWarnings } from './config';
import type { AppConfig } from './config';

export const JWT_SECRET_FILE = 'jwt-secret';
export const AUDIT_KEY_FILE = 'audit-signing-key.pem';

/**
 * On the embedded database in development, the keys that were not configured are made once and
 * kept in the data folder (mode 0600), next to the data they protect: the API, the CLI beside it
 * and the next start all use the same ones. A key per process would log everyone out at every
 * restart and make the checkpoints signed before it unverifiable (`POST /audit/verify` would say
 * CHECKPOINT_SIGNATURE_INVALID). Elsewhere, and for configured keys, the config is unchanged.
 */
export function withDataFolderKeys(config: AppConfig): AppConfig {
  if (config.database.url || config.env !== 'development') return config;
  const { dataDir } = config.database;
  const jwtSecret = config.auth.jwtSecretGenerated ? kept(dataDir, JWT_SECRET_FILE, () => `${randomBytes(48).toString('base64url')}\n`).trim() : config.auth.jwtSecret;
  const signingKey =
    config.audit.signingKey ??
    createPrivateKey(kept(dataDir, AUDIT_KEY_FILE, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()));
  const keptNames = [config.auth.jwtSecretGenerated ? 'JWT_SECRET' : null, config.audit.signingKey ? null : 'AUDIT_SIGNING_KEY'].filter(Boolean);
  const others = config.warnings.filter((w) => !keyWarnings(config.auth.jwtSecretGenerated, !config.audit.signingKey).includes(w));
  return {
    ...config,
    auth: { ...config.auth, jwtSecret, jwtSecretGenerated: false },
    audit: { ...config.audit, signingKey },
    warnings: keptNames.length ? [...others, `${keptNames.join(' and ')} not set: using the development key${keptNames.length > 1 ? 's' : ''} kept in ${dataDir} (embedded database, development only)`] : others,
  };
}

function kept(dataDir: string, name: string, make: () => string): string {
  const file = path.join(dataDir, name);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': of two processes starting at the same moment, both keep the first one's key.
    writeFileSync(file, make(), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
  }
  return readFileSync(file, 'utf8');
}
