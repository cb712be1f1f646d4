import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig, Kek } from '../config/config';
import { PrivacyError } from './privacy.errors';

/** Where the key-encryption keys came from (README, Personal data). */
export type KeyRingSource = 'config' | 'data-folder' | 'development';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The key-encryption keys (KEKs). Data keys are stored wrapped by one of them (AES-256-GCM, the
 * associated data naming what the key belongs to); the first KEK is the current one, the others
 * only unwrap keys that a rotation has not rewrapped yet.
 */
export class KeyRing {
  constructor(
    readonly keks: readonly Kek[],
    readonly source: KeyRingSource,
  ) {
    if (!keks.length) throw new Error('a key ring needs at least one key-encryption key');
  }

  get currentId(): string {
    return this.keks[0].id;
  }

  has(id: string): boolean {
    return this.keks.some((k) => k.id === id);
  }

  wrap(dataKey: Buffer, context: string): { wrapped: Buffer; kekId: string } {
    const kek = this.keks[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', kek.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { wrapped: Buffer.concat([iv, ct, cipher.getAuthTag()]), kekId: kek.id };
  }

  unwrap(wrapped: Buffer, kekId: string, context: string): Buffer {
    const kek = this.keks.find((k) => k.id === kekId);
    // Not the key's value nor the KEK's: only which KEK is missing from PII_KEKS.
    if (!kek) throw new PrivacyError('PRIVACY.KEK_UNKNOWN', `A data key is wrapped by key-encryption key "${kekId}", which PII_KEKS does not hold.`, { kekId });
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek.key, wrapped.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
      return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES, wrapped.length - TAG_BYTES)), decipher.final()]);
    } catch {
      // A wrapped key copied to another subject or company, or altered, does not authenticate.
      throw new PrivacyError('PRIVACY.KEY_UNREADABLE', 'A data key does not unwrap: it was altered or does not belong where it is stored.');
    }
  }
}

// Not secret, on purpose: outside production, data must stay readable after a restart, and a
// per-process random key would make it unreadable. The boot warns whenever this key is used.
const DEVELOPMENT_KEK: Kek = { id: 'dev', key: createHash('sha256').update('maple development KEK: not a secret, never for production data').digest() };

const KEK_FILE = 'pii-kek';

/**
 * The KEKs of this process: PII_KEKS when set. Otherwise (never in production, where the config
 * refuses to load without it): on the embedded database a KEK generated once and kept in the
 * data folder next to the data it protects, else the fixed development KEK, with a warning.
 */
export async function resolveKeyRing(config: AppConfig, warn: (message: string) => void): Promise<KeyRing> {
  if (config.privacy.keks.length) return new KeyRing(config.privacy.keks, 'config');
  if (config.env === 'production') throw new Error('PII_KEKS is required in production');
  if (!config.database.url && config.env === 'development') {
    const kek = await dataFolderKek(config.database.dataDir);
    warn(`PII_KEKS is not set: personal data is encrypted with the development KEK kept in ${path.join(config.database.dataDir, KEK_FILE)}`);
    return new KeyRing([kek], 'data-folder');
  }
  warn('PII_KEKS is not set: personal data is encrypted with the fixed development KEK (not a secret; set PII_KEKS for real data)');
  return new KeyRing([DEVELOPMENT_KEK], 'development');
}

async function dataFolderKek(dataDir: string): Promise<Kek> {
  const file = path.join(dataDir, KEK_FILE);
  const read = async () => {
    const [id, b64] = (await readFile(file, 'utf8')).trim().split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || key.length !== 32) throw new Error(`${file} is not a key-encryption key (id:base64 of 32 bytes)`);
    return { id, key };
  };
  try {
    return await read();
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  }
  await mkdir(dataDir, { recursive: true });
  const id = `local-${randomBytes(4).toString('hex')}`;
  try {
    // 'wx': a second process starting at the same moment keeps the first one's key.
    await writeFile(file, `${id}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
  }
  return read();
}
