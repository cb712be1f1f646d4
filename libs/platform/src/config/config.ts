import { createPrivateKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import { parseTrustProxy } from './trust-proxy';
import type { TrustProxy } from './trust-proxy';

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
    /** A read replica for read-heavy queries (analytics); unset: they read the primary. */
    readUrl: string | undefined;
    dataDir: string;
    poolSize: number;
    acquireTimeoutMs: number;
    migrateOnStart: boolean;
  };
  bodyLimitBytes: number;
  corsOrigins: string[];
  /** Which peers may name the client in X-Forwarded-For (off unless configured). */
  trustProxy: TrustProxy;
  metrics: MetricsConfig;
  shutdownGraceMs: number;
  natsUrl: string | undefined;
  /** The event relay to NATS JetStream (libs/relay), on when natsUrl is set. */
  relay: { stream: string; subjectPrefix: string };
  billing: { trialDays: number };
  /** How long an Idempotency-Key's record (and so its replayable response) is kept. */
  idempotency: { ttlSec: number };
  /** The AI registry (libs/ai): prediction-log retention and the drift threshold. */
  ai: { predictionRetentionMonths: number; driftPsiThreshold: number; predictionSynchronousCommit: boolean };
  auth: AuthConfig;
  audit: {
    /** Ed25519 key that signs checkpoints. Required in production; generated per process elsewhere. */
    signingKey: KeyObject | undefined;
  };
  /** Inputs of operator commands (apps/cli). */
  cli: { adminPassword: string | undefined; ofacSnapshotDir: string; operator: string };
  /** Things an operator should know, logged once at start (never secrets). */
  warnings: string[];
  /** Personal-data encryption (libs/platform/src/privacy). */
  privacy: { keks: Kek[] };
  projections: {
    /** Whether this process runs the async projection daemon. */
    inProcess: boolean;
    stallAfterMs: number;
    batchSize: number;
  };
  jobs: {
    /** Connections of the job queue's own pool (PostgreSQL server only). */
    poolSize: number;
  };
  /** Port of the worker's Prometheus endpoint (0: none). The API serves /metrics itself. */
  workerMetricsPort: number;
  backup: BackupConfig;
  analytics: AnalyticsConfig;
};

export type AnalyticsConfig = {
  /** Events older than this (days, against their receipt) are quarantined, not filed under an old day. */
  lateWindowDays: number;
  /** Global retention: daily partitions entirely older than this are dropped. */
  retentionDays: number;
  /** Statement timeout of every analytics query. */
  queryTimeoutMs: number;
};

export type BackupConfig = {
  /** AES-256 master key (32 bytes). Unset: no backup can be made (Maple never writes one unencrypted). */
  encryptionKey: Buffer | undefined;
  /** Where `backup create` and the scheduled job write, and `backup list` looks. */
  dir: string;
  /** Minutes between scheduled backups; 0 turns the job off. */
  intervalMinutes: number;
  /** How many of the newest backups the scheduled job keeps in `dir`. */
  keep: number;
  /** Folder of pg_dump and pg_restore; unset: /usr/lib/postgresql/<newest>/bin, then PATH. */
  pgBinDir: string | undefined;
};

export type MetricsConfig = {
  /** A port of its own for /metrics; then the API port does not serve it. */
  port: number | undefined;
  host: string;
  /** Bearer token a scraper must send, on whichever port serves metrics. */
  token: string | undefined;
  /** Whether the API port answers /metrics (off in production unless a token protects it). */
  onApiPort: boolean;
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
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '0.0.0.0';
  const auth = authConfig(env, nodeEnv);
  const signingKey = auditSigningKey(env, nodeEnv);
  return {
    env: nodeEnv,
    port,
    host,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    database: {
      url,
      migrationUrl: postgresUrl(env, 'DATABASE_MIGRATION_URL') ?? url,
      readUrl: postgresUrl(env, 'DATABASE_READ_URL'),
      dataDir: path.resolve(env.DATA_DIR || '.data'),
      poolSize: int(env, 'DB_POOL_SIZE', 10, 1, 500),
      acquireTimeoutMs: int(env, 'DB_ACQUIRE_TIMEOUT_MS', 5000, 100, 600000),
      // Always on for the embedded database; on a server, CI/CD usually runs `db:migrate` instead.
      migrateOnStart: bool(env, 'DB_MIGRATE_ON_START', url === undefined),
    },
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    corsOrigins: cors,
    trustProxy: trustProxy(env),
    metrics: metricsConfig(env, nodeEnv, port, host),
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600000),
    natsUrl: env.NATS_URL || undefined,
    relay: relayConfig(env),
    billing: { trialDays: int(env, 'BILLING_TRIAL_DAYS', 14, 1, 365) },
    idempotency: { ttlSec: int(env, 'IDEMPOTENCY_TTL', 86_400, 1, 2_592_000) },
    // EU AI Act Art. 19: logs of high-risk systems are kept at least six months.
    ai: { predictionRetentionMonths: int(env, 'AI_PREDICTION_RETENTION_MONTHS', 6, 6, 600), driftPsiThreshold: int(env, 'AI_DRIFT_PSI_THRESHOLD_PERMILLE', 200, 1, 10_000) / 1000, predictionSynchronousCommit: bool(env, 'AI_PREDICTION_SYNCHRONOUS_COMMIT', true) },
    auth,
    audit: { signingKey },
    cli: {
      adminPassword: env.MAPLE_ADMIN_PASSWORD || undefined,
      ofacSnapshotDir: path.resolve(env.OFAC_SNAPSHOT_DIR || 'data/sanctions/ofac'),
      operator: env.USER || 'operator',
    },
    warnings: keyWarnings(auth.jwtSecretGenerated, signingKey === undefined),
    privacy: { keks: keks(env, nodeEnv) },
    projections: {
      // The embedded database lives inside the API process, so nobody else could run them.
      inProcess: projectionsInProcess(env, url),
      stallAfterMs: int(env, 'PROJECTION_STALL_MS', 30_000, 1000, 3_600_000),
      batchSize: int(env, 'PROJECTION_BATCH_SIZE', 500, 1, 100_000),
    },
    jobs: { poolSize: int(env, 'JOBS_POOL_SIZE', 4, 1, 100) },
    workerMetricsPort: int(env, 'WORKER_METRICS_PORT', 9464, 0, 65535),
    backup: {
      encryptionKey: backupKey(env),
      dir: path.resolve(env.BACKUP_DIR || '.backups'),
      // Daily by default (the seed asks for daily backups).
      intervalMinutes: int(env, 'BACKUP_INTERVAL_MINUTES', 1440, 0, 525_600),
      keep: int(env, 'BACKUP_KEEP', 14, 1, 10_000),
      pgBinDir: env.PG_BIN_DIR ? path.resolve(env.PG_BIN_DIR) : undefined,
    },
    analytics: {
      lateWindowDays: int(env, 'ANALYTICS_LATE_WINDOW_DAYS', 7, 1, 400),
      retentionDays: int(env, 'ANALYTICS_RETENTION_DAYS', 395, 1, 3650),
      queryTimeoutMs: int(env, 'ANALYTICS_QUERY_TIMEOUT_MS', 10_000, 100, 600_000),
    },
  };
}

function backupKey(env: Env): Buffer | undefined {
  const raw = env.BACKUP_ENCRYPTION_KEY?.trim();
  if (!raw) return undefined;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError('BACKUP_ENCRYPTION_KEY', 'must be base64 of 32 random bytes (make one with: openssl rand -base64 32)');
  return key;
}

function trustProxy(env: Env): TrustProxy {
  const parsed = parseTrustProxy(env.TRUST_PROXY);
  if (typeof parsed === 'object' && !Array.isArray(parsed)) throw new ConfigError('TRUST_PROXY', parsed.error);
  return parsed;
}

function metricsConfig(env: Env, nodeEnv: AppConfig['env'], apiPort: number, host: string): MetricsConfig {
  const port = env.METRICS_PORT ? int(env, 'METRICS_PORT', 0, 1, 65535) : undefined;
  if (port !== undefined && port === apiPort) throw new ConfigError('METRICS_PORT', `must differ from PORT (${apiPort})`);
  const token = env.METRICS_TOKEN || undefined;
  if (token !== undefined && token.length < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters');
  // Metrics name routes, pool sizes and process internals: in production the public port shows
  // them only to a scraper holding the token.
  const onApiPort = port === undefined && (token !== undefined || nodeEnv !== 'production');
  return { port, host: env.METRICS_HOST || host, token, onApiPort };
}

function auditSigningKey(env: Env, nodeEnv: AppConfig['env']): KeyObject | undefined {
  const raw = env.AUDIT_SIGNING_KEY?.trim();
  if (!raw) {
    // A key made up at start dies with the process: no checkpoint could be verified afterwards.
    if (nodeEnv === 'production') throw new ConfigError('AUDIT_SIGNING_KEY', 'is required in production (an Ed25519 private key, PEM or base64 PKCS#8)');
    return undefined;
  }
  let key: KeyObject;
  try {
    key = raw.includes('-----BEGIN') ? createPrivateKey(raw) : createPrivateKey({ key: Buffer.from(raw, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new ConfigError('AUDIT_SIGNING_KEY', 'is not a readable private key (PEM or base64 PKCS#8)');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError('AUDIT_SIGNING_KEY', `must be an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

// Outside production a missing key is made up per process; say once what that breaks.
export function keyWarnings(jwtGenerated: boolean, auditKeyMissing: boolean): string[] {
  const missing = [jwtGenerated ? 'JWT_SECRET' : null, auditKeyMissing ? 'AUDIT_SIGNING_KEY' : null].filter(Boolean);
  if (!missing.length) return [];
  const effects = [
    jwtGenerated ? 'access tokens are accepted by this process only, and only until it restarts' : null,
    auditKeyMissing ? 'audit checkpoint signatures cannot be verified after a restart' : null,
  ].filter(Boolean);
  return [`${missing.join(' and ')} not set: this process uses a random key of its own, so ${effects.join(', and ')}. Set ${missing.length > 1 ? 'them' : 'it'} wherever several processes or restarts matter (required in production).`];
}

function authConfig(env: Env, nodeEnv: AppConfig['env']): AuthConfig {
  const secret = env.JWT_SECRET || undefined;
  // No default signing key in production: a guessable one would let anyone mint admin tokens.
  if (!secret && nodeEnv === 'production') throw new ConfigError('JWT_SECRET', 'is required in production (at least 32 characters, the same for every API process)');
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

function relayConfig(env: Env): AppConfig['relay'] {
  const stream = env.NATS_STREAM || 'MAPLE_EVENTS';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream)) throw new ConfigError('NATS_STREAM', 'must be 1-64 letters, digits, "_" or "-"');
  const subjectPrefix = env.NATS_SUBJECT_PREFIX || 'maple';
  if (!/^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/.test(subjectPrefix)) throw new ConfigError('NATS_SUBJECT_PREFIX', 'must be NATS subject tokens (letters, digits, "_" or "-") separated by dots');
  return { stream, subjectPrefix };
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
