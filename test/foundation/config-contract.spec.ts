import { readFileSync, readdirSync, statSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '@maple/platform';

// The README's configuration table is the contract with operators: it must name every
// environment variable the code reads, and nothing it does not. loadConfig is the only reader
// (house rule), so the variables it touches, recorded through a Proxy, are the code's.

const root = path.resolve(__dirname, '..', '..');

function documented(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]).sort();
}

/** The names loadConfig reads from `env` (any property it looks up). */
function readBy(env: Record<string, string>): Set<string> {
  const seen = new Set<string>();
  const spy = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') seen.add(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      if (typeof key === 'string') seen.add(key);
      return Reflect.has(target, key);
    },
  });
  loadConfig(spy);
  return seen;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'generated' || name === 'node_modules' ? [] : sources(p);
    return p.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(p) ? [p] : [];
  });
}

describe('configuration contract', () => {
  it('the README table lists exactly the variables loadConfig reads', () => {
    const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    // Several environments, so that a variable read on one branch only is seen too.
    const envs: Record<string, string>[] = [
      {},
      { NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40), AUDIT_SIGNING_KEY: key, PII_KEKS: `k1:${Buffer.alloc(32, 7).toString('base64')}` },
      { DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db', PROJECTIONS: 'worker' },
      { METRICS_PORT: '9464', METRICS_TOKEN: 't'.repeat(20), TRUST_PROXY: '10.0.0.0/8', BOOTSTRAP_ADMIN_EMAIL: 'a@b.test', BOOTSTRAP_ADMIN_PASSWORD: 'x' },
    ];
    const read = new Set(envs.flatMap((e) => [...readBy(e)]));
    expect(documented()).toEqual([...read].sort());
  });

  it('no code outside config.ts reads process.env (apps and libs)', () => {
    const offenders = [...sources(path.join(root, 'apps')), ...sources(path.join(root, 'libs'))]
      .filter((f) => !f.endsWith(path.join('config', 'config.ts')))
      .filter((f) => /process\.env\b/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });
});
