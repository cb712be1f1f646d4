import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { repoRoot } from '../support/databases';

// The drill as an operator runs it, with the built CLI on the embedded database:
// seed, backup create, list, restore into a new folder, verify; then tamper and verify again.
const cli = path.join(repoRoot, 'dist', 'apps', 'cli', 'main.js');
const key = randomBytes(32).toString('base64');
const auditKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const root = mkdtempSync(path.join(os.tmpdir(), 'maple-cli-backup-'));
const dirs = { source: path.join(root, 'source'), restored: path.join(root, 'restored'), other: path.join(root, 'other'), backups: path.join(root, 'backups') };
const baseEnv = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', NODE_ENV: 'development', BACKUP_DIR: dirs.backups, BACKUP_ENCRYPTION_KEY: key, AUDIT_SIGNING_KEY: auditKey };

function run(args: string[], env: Record<string, string | undefined> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, env: { ...baseEnv, ...env } as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(build.stderr);
  const seeded = run(['seed'], { DATA_DIR: dirs.source });
  if (seeded.code !== 0) throw new Error(seeded.stderr);
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('backup CLI on the embedded database', () => {
  it('create, list, restore into a new folder, verify: the restore drill passes', () => {
    const created = run(['backup', 'create'], { DATA_DIR: dirs.source });
    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/^wrote .*maple-backup-.*\.mbak .*embedded.*events in \d+ chains/) });
    expect(run(['backup', 'list'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/maple-backup-.*\.mbak .* embedded .* events \/ \d+ chains/) });
    const restored = run(['backup', 'restore', 'latest'], { DATA_DIR: dirs.restored });
    expect(restored).toMatchObject({ code: 0, stdout: expect.stringMatching(/^restored .* into embedded PostgreSQL \(PGlite\) in .*restored/) });
    const verified = run(['backup', 'verify', 'latest'], { DATA_DIR: dirs.restored });
    expect(verified.stdout).toMatch(/demo-company: \d+ events, head at position \d+: ok/);
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(/verified: all \d+ chains match the backup/) });
  });

  it('refuses to restore over a database, with one line and exit code 1', () => {
    const r = run(['backup', 'restore', 'latest'], { DATA_DIR: dirs.source });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^backup restore: The embedded database folder .* is not empty/)]);
  });

  it('verify exits 2 and names the company and position of an event altered after the restore', async () => {
    const lite = await PGlite.create(dirs.restored);
    let position: string;
    try {
      const { rows } = await lite.query<{ p: string }>(`SELECT position::text AS p FROM events WHERE company_id = 'demo-company' ORDER BY position LIMIT 1 OFFSET 2`);
      position = rows[0].p;
      await lite.exec(`ALTER TABLE events DISABLE TRIGGER events_no_update_delete;
        UPDATE events SET data = jsonb_set(data, '{tampered}', 'true') WHERE position = ${position};
        ALTER TABLE events ENABLE TRIGGER events_no_update_delete;`);
    } finally {
      await lite.close();
    }
    const r = run(['backup', 'verify', 'latest'], { DATA_DIR: dirs.restored });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`demo-company: INVALID at position ${position}: HASH_MISMATCH`);
    expect(r.stdout).toMatch(/verify FAILED: 1 chain\(s\) do not match the backup/);
  });

  it('a wrong key, a missing key and a malformed key are each one clear line and exit code 1', () => {
    const wrong = run(['backup', 'restore', 'latest'], { DATA_DIR: dirs.other, BACKUP_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^backup restore: This backup was encrypted with key [0-9a-f]{16}; BACKUP_ENCRYPTION_KEY is key [0-9a-f]{16}\./)]);
    const none = run(['backup', 'create'], { DATA_DIR: dirs.source, BACKUP_ENCRYPTION_KEY: '' });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^backup create: BACKUP_ENCRYPTION_KEY is not set: Maple makes and reads only encrypted backups/);
    const bad = run(['backup', 'list'], { BACKUP_ENCRYPTION_KEY: 'c2hvcnQ=' });
    expect(bad).toMatchObject({ code: 1, stderr: 'Invalid configuration: BACKUP_ENCRYPTION_KEY must be base64 of 32 random bytes (make one with: openssl rand -base64 32)\n' });
  });
});
