import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from './config';

const ed25519 = () => generateKeyPairSync('ed25519').privateKey;
const pem = (k = ed25519()) => k.export({ format: 'pem', type: 'pkcs8' }).toString();
const kek = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const production = { NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40), AUDIT_SIGNING_KEY: pem(), PII_KEKS: kek };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

describe('config: TRUST_PROXY', () => {
  it('is off by default and for the usual words for off', () => {
    for (const v of [undefined, '', 'false', 'off', 'no', '0']) expect(loadConfig(v === undefined ? {} : { TRUST_PROXY: v }).trustProxy).toBe(false);
  });

  it('takes a hop count or a list of addresses, CIDRs and named ranges', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,fd00::/8, loopback' }).trustProxy).toEqual(['10.0.0.1', '10.1.0.0/16', 'fd00::/8', 'loopback']);
  });

  it('refuses "true" (trust every client), junk and impossible prefixes, naming the variable', () => {
    expect(refusal({ TRUST_PROXY: 'true' })).toMatch(/^Invalid configuration: TRUST_PROXY .*"true" would trust X-Forwarded-For from any client/);
    expect(refusal({ TRUST_PROXY: 'proxy.internal' })).toMatch(/TRUST_PROXY .*"proxy\.internal" is not an IP address or CIDR/);
    expect(refusal({ TRUST_PROXY: '10.0.0.0/33' })).toMatch(/TRUST_PROXY .*prefix length outside 0\.\.32/);
    expect(refusal({ TRUST_PROXY: '11' })).toMatch(/TRUST_PROXY must be a hop count between 1 and 10/);
  });
});

describe('config: metrics exposure', () => {
  it('serves metrics on the API port outside production, never in production without a token', () => {
    expect(loadConfig({}).metrics).toMatchObject({ onApiPort: true, port: undefined, token: undefined });
    expect(loadConfig(production).metrics.onApiPort).toBe(false);
    expect(loadConfig({ ...production, METRICS_TOKEN: 't'.repeat(16) }).metrics.onApiPort).toBe(true);
  });

  it('moves metrics to METRICS_PORT (on HOST unless METRICS_HOST says otherwise)', () => {
    expect(loadConfig({ METRICS_PORT: '9464', HOST: '10.0.0.5' }).metrics).toEqual({ port: 9464, host: '10.0.0.5', token: undefined, onApiPort: false });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '127.0.0.1' }).metrics.host).toBe('127.0.0.1');
  });

  it('refuses a metrics port equal to PORT and a short token', () => {
    expect(refusal({ METRICS_PORT: '3000' })).toMatch(/METRICS_PORT must differ from PORT/);
    expect(refusal({ METRICS_TOKEN: 'short' })).toMatch(/METRICS_TOKEN must be at least 16 characters/);
  });
});

describe('config: signing keys', () => {
  it('in production, refuses to start without JWT_SECRET or AUDIT_SIGNING_KEY', () => {
    expect(refusal({ NODE_ENV: 'production', AUDIT_SIGNING_KEY: pem(), PII_KEKS: kek })).toMatch(/^Invalid configuration: JWT_SECRET is required in production/);
    expect(refusal({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40), PII_KEKS: kek })).toMatch(/^Invalid configuration: AUDIT_SIGNING_KEY is required in production/);
    expect(loadConfig(production).warnings).toEqual([]);
  });

  it('reads AUDIT_SIGNING_KEY as PEM or as base64 PKCS#8, and refuses anything but an Ed25519 private key', () => {
    const key = ed25519();
    const der = key.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(loadConfig({ AUDIT_SIGNING_KEY: pem(key) }).audit.signingKey?.asymmetricKeyType).toBe('ed25519');
    expect(loadConfig({ AUDIT_SIGNING_KEY: der }).audit.signingKey?.export({ format: 'der', type: 'pkcs8' }).toString('base64')).toBe(der);
    expect(refusal({ AUDIT_SIGNING_KEY: 'not a key' })).toMatch(/AUDIT_SIGNING_KEY is not a readable private key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(refusal({ AUDIT_SIGNING_KEY: rsa })).toMatch(/AUDIT_SIGNING_KEY must be an Ed25519 key, got rsa/);
  });

  it('outside production, one warning says which keys are missing and what a per-process key breaks', () => {
    const [both, ...rest] = loadConfig({}).warnings;
    expect(rest).toEqual([]);
    expect(both).toMatch(/^JWT_SECRET and AUDIT_SIGNING_KEY not set/);
    expect(both).toMatch(/access tokens are accepted by this process only/);
    expect(both).toMatch(/checkpoint signatures cannot be verified after a restart/);
    expect(loadConfig({ JWT_SECRET: 's'.repeat(40) }).warnings).toEqual([expect.stringMatching(/^AUDIT_SIGNING_KEY not set/)]);
    expect(loadConfig({ JWT_SECRET: 's'.repeat(40), AUDIT_SIGNING_KEY: pem() }).warnings).toEqual([]);
  });
});
