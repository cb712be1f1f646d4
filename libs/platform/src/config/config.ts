import { randomBytes } from 'node:crypto';
import path from 'node:path';

// Every setting Maple reads, validated once at boot. A bad value stops the process with one
// line that names the variable; nothing else in the code reads process.env.

export type AppConfig = {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  database: {
    /** Unset: embedded PostgreSQL (PGlite) under dataDir. */
    url: string | undefined;
    /** Owner connection for migrations; defaults to url. */
    migrationUrl: string | undefined;
    dataDir: string;
    poolSize: number;
    acquireTimeoutMs: number;
    migrateOnStart: boolean;
  };
  bodyLimitBytes: number;
  corsOrigins: string[];
  shutdownGraceMs: number;
  natsUrl: string | undefined;
  billing: { trialDays: number };
  auth: AuthConfig;
  /** Personal-data encryption (libs/platform/src/privacy). */
  privacy: { keks: Kek[] };
  projections: {
    /** Whether this process runs the async projection daemon. */
    inProcess: boolean;
    stallAfterMs: number;
    batchSize: number;
  };
};

export type AuthConfig = {
  /** HS256 key. Required in production; generated per process elsewhere (tokens die on restart). */
  jwtSecret: string;
  jwtSecretGenerated: boolean;
  issuer: string;
  audience: string;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  /** Failed sign-ins in a row that lock an account, and for how long. */
  lockoutThreshold: number;
  lockoutMs: number;
  /** Failed sign-ins per client ip in a window before further attempts get 429. */
  ipFailureLimit: number;
  ipFailureWindowMs: number;
  /** Requests per minute per client ip, all routes (0 = off). */
  rateLimitPerMinute: number;
  bootstrapAdminEmail: string | undefined;
  bootstrapAdminPassword: string | undefined;
};

/** A key-encryption key for personal data: the first of PII_KEKS is the current one. */
export type Kek = { id: string; key: Buffer };

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], def: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function postgresUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must start with postgresql://, got "${u.protocol}//"`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const url = postgresUrl(env, 'DATABASE_URL');
  const cors = (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    env: nodeEnv,
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    database: {
      url,
      migrationUrl: postgresUrl(env, 'DATABASE_MIGRATION_URL') ?? url,
      dataDir: path.resolve(env.DATA_DIR || '.data'),
      poolSize: int(env, 'DB_POOL_SIZE', 10, 1, 500),
      acquireTimeoutMs: int(env, 'DB_ACQUIRE_TIMEOUT_MS', 5000, 100, 600000),
      // Always on for the embedded database; on a server, CI/CD usually runs `db:migrate` instead.
      migrateOnStart: bool(env, 'DB_MIGRATE_ON_START', url === undefined),
    },
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    corsOrigins: cors,
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600000),
    natsUrl: env.NATS_URL || undefined,
    billing: { trialDays: int(env, 'BILLING_TRIAL_DAYS', 14, 1, 365) },
    auth: authConfig(env, nodeEnv),
    privacy: { keks: keks(env, nodeEnv) },
    projections: {
      // The embedded database lives inside the API process, so nobody else could run them.
      inProcess: projectionsInProcess(env, url),
      stallAfterMs: int(env, 'PROJECTION_STALL_MS', 30_000, 1000, 3_600_000),
      batchSize: int(env, 'PROJECTION_BATCH_SIZE', 500, 1, 100_000),
    },
  };
}

function authConfig(env: Env, nodeEnv: AppConfig['env']): AuthConfig {
  const secret = env.JWT_SECRET || undefined;
  // No default signing key in production: a guessable one would let anyone mint admin tokens.
  if (!secret && nodeEnv === 'production') throw new ConfigError('JWT_SECRET', 'is required in production');
  if (secret && secret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  const email = env.BOOTSTRAP_ADMIN_EMAIL || undefined;
  const password = env.BOOTSTRAP_ADMIN_PASSWORD || undefined;
  if (Boolean(email) !== Boolean(password)) throw new ConfigError(email ? 'BOOTSTRAP_ADMIN_PASSWORD' : 'BOOTSTRAP_ADMIN_EMAIL', 'must be set together with the other BOOTSTRAP_ADMIN_* variable');
  return {
    jwtSecret: secret ?? randomBytes(48).toString('base64url'),
    jwtSecretGenerated: !secret,
    issuer: env.JWT_ISSUER || 'maple',
    audience: env.JWT_AUDIENCE || 'maple-api',
    accessTokenTtlSec: int(env, 'ACCESS_TOKEN_TTL', 900, 30, 86_400),
    refreshTokenTtlSec: int(env, 'REFRESH_TOKEN_TTL', 1_209_600, 60, 31_536_000),
    lockoutThreshold: int(env, 'LOCKOUT_THRESHOLD', 10, 1, 1000),
    lockoutMs: int(env, 'LOCKOUT_DURATION_MS', 900_000, 1000, 86_400_000),
    ipFailureLimit: int(env, 'LOGIN_IP_FAILURE_LIMIT', 50, 1, 1_000_000),
    ipFailureWindowMs: int(env, 'LOGIN_IP_FAILURE_WINDOW_MS', 900_000, 1000, 86_400_000),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 10_000_000),
    bootstrapAdminEmail: email,
    bootstrapAdminPassword: password,
  };
}

// PII_KEKS=id:base64,id:base64 (32-byte keys), the current one first. No default in production:
// without it personal data could not be encrypted, or would be under a key everybody knows.
function keks(env: Env, nodeEnv: AppConfig['env']): Kek[] {
  const raw = (env.PII_KEKS ?? '').trim();
  if (!raw) {
    if (nodeEnv === 'production') throw new ConfigError('PII_KEKS', 'is required in production (comma-separated id:base64 32-byte keys, the current one first)');
    return [];
  }
  const out: Kek[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    const at = item.indexOf(':');
    const id = at > 0 ? item.slice(0, at) : '';
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new ConfigError('PII_KEKS', 'must be comma-separated id:base64 pairs, each id of letters, digits, _ or - (at most 32)');
    const b64 = item.slice(at + 1);
    const key = Buffer.from(b64, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || key.length !== 32) throw new ConfigError('PII_KEKS', `key "${id}" must be 32 bytes in base64`);
    if (out.some((k) => k.id === id)) throw new ConfigError('PII_KEKS', `names key "${id}" twice`);
    out.push({ id, key });
  }
  return out;
}

function projectionsInProcess(env: Env, url: string | undefined): boolean {
  const mode = oneOf(env, 'PROJECTIONS', ['auto', 'in-process', 'worker'] as const, 'auto');
  return mode === 'in-process' || (mode === 'auto' && url === undefined);
}

/** Describes the database target without credentials, for logs and `doctor`. */
export function describeDatabase(config: AppConfig): string {
  if (!config.database.url) return `embedded PostgreSQL (PGlite) in ${config.database.dataDir}`;
  const u = new URL(config.database.url);
  return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
}
