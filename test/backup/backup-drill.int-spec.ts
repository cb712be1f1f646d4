import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BackupError, EventStore, backupKeyId, eventHash, openBackupFile, writeBackupFile } from '@maple/platform';
import type { AppConfig, ChainedRecord, NewEvent } from '@maple/platform';
import { createBackup, createCheckpoint, listBackups, loadSigner, restoreBackup, verifyChain, verifyRestore } from '@maple/audit';
import type { BackupResult } from '@maple/audit';
import { describeEachDatabase } from '../support/databases';
import { emptyTarget, withRestored } from './restore-targets';

const signer = loadSigner(generateKeyPairSync('ed25519').privateKey);
const MARKER = 'confidential-note-7f3a';

const event = (companyId: string | null, n: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'Deposited',
  data: { amount: n, note: MARKER },
  metadata: { actorId: 'u1', companyId, correlationId: randomUUID(), causationId: null, ip: null, userAgent: 'jest' },
});

describeEachDatabase('backup and restore drill', (ctx) => {
  const store = new EventStore();
  let dir: string;
  let config: AppConfig;
  let made: BackupResult;

  const append = async (companyId: string | null, count: number) => {
    const scope = companyId ? { companyId } : { allCompanies: true };
    const stream = { id: `acct-${randomUUID()}`, type: 'acct', companyId };
    for (let i = 0; i < count; i++)
      await ctx().db.transaction((tx) => store.append(tx, stream, [event(companyId, i)], i), scope);
  };
  const positionOf = async (companyId: string, nth: 'newest' | 'middle') => {
    const rows = await ctx().superuser(`SELECT position::text AS p FROM events WHERE company_id = '${companyId}' ORDER BY position`);
    return String(rows[nth === 'newest' ? rows.length - 1 : Math.floor(rows.length / 2)].p);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'maple-backups-'));
    config = { ...ctx().config, backup: { ...ctx().config.backup, encryptionKey: randomBytes(32), dir } };
    await append('acme', 6);
    await append('globex', 5);
    await append(null, 2);
    await createCheckpoint(ctx().db, signer, 'acme');
    await createCheckpoint(ctx().db, signer, 'globex');
    // Events after the newest checkpoint: only the manifest's head vouches for them.
    await append('acme', 2);
    await append('globex', 2);
    made = await createBackup(ctx().db, config, { signer });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes an encrypted file whose manifest lists every chain head and its newest signed checkpoint', async () => {
    const heads = await ctx().superuser(
      `SELECT coalesce(company_id, '__platform__') AS company, count(*)::int AS events, max(position)::text AS head FROM events GROUP BY company_id ORDER BY 1`,
    );
    const m = made.manifest;
    expect(m.chains.map((c) => ({ company: c.companyId, events: c.events, head: c.head.position })).sort((a, b) => a.company.localeCompare(b.company))).toEqual(heads);
    expect(m.chains.find((c) => c.companyId === 'acme')?.checkpoint).toMatchObject({ keyId: signer.keyId, signature: expect.any(String) });
    expect(m.database).toMatchObject({ engine: ctx().target, latestMigration: expect.stringMatching(/^\d{14}_/) });
    expect(m.mapleVersion).toMatch(/^\d+\.\d+\.\d+/);
    // Nothing of the data or the manifest is readable in the file (the dump is compressed too,
    // so the check is on the clear-text marker in every event and the company names).
    const raw = await readFile(made.file);
    expect(raw.includes(Buffer.from(MARKER))).toBe(false);
    expect(raw.includes(Buffer.from('globex'))).toBe(false);
    const listed = await listBackups(config);
    expect(listed).toEqual([expect.objectContaining({ file: made.file, status: 'ok', manifest: expect.objectContaining({ totals: m.totals }) })]);
  });

  it('restores into an empty database, and verify proves every chain against the manifest', async () => {
    await withRestored(ctx().target, config, made.file, async (restored) => {
      const r = await verifyRestore(restored.db, restored.config, made.file, signer.publicKeyPem);
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ valid: true, chains: expect.arrayContaining([expect.objectContaining({ companyId: 'acme', events: 8 })]) });
      // Tenant isolation came back with the data.
      const [rls] = await restored.superuser(`SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE relname = 'events'`);
      expect(rls).toEqual({ enabled: true, forced: true });
      const [{ n }] = await restored.superuser(`SELECT count(*)::int AS n FROM events WHERE data->>'note' = '${MARKER}'`);
      expect(n).toBe(made.manifest.totals.events);
      // The audit trail: the source recorded the backup (after its snapshot, so the backup does
      // not hold that row); the restored database records its restore and the drill's result.
      const trail = `SELECT "entityType", action, "entityId", "companyId", changes->'after'->>'valid' AS valid FROM "AuditLog" WHERE "entityType" LIKE 'Backup%' ORDER BY "timestamp", "entityType"`;
      const name = path.basename(made.file);
      expect(await ctx().superuser(trail)).toEqual([{ entityType: 'Backup', action: 'CREATE', entityId: name, companyId: '__platform__', valid: null }]);
      expect(await restored.superuser(trail)).toEqual([
        { entityType: 'BackupRestore', action: 'CREATE', entityId: name, companyId: '__platform__', valid: null },
        { entityType: 'BackupVerification', action: 'VIEW', entityId: name, companyId: '__platform__', valid: 'true' },
      ]);
    });
  });

  it('refuses to restore into a database that is not empty, and changes nothing there', async () => {
    const before = await ctx().superuser('SELECT count(*)::int AS n FROM events');
    let targetConfig = config;
    let cleanup: () => Promise<void> = async () => undefined;
    if (ctx().target === 'embedded') {
      // The in-memory source has no folder: a folder holding anything stands for a used one.
      const used = await mkdtemp(path.join(os.tmpdir(), 'maple-used-'));
      await writeFile(path.join(used, 'PG_VERSION'), '15\n');
      targetConfig = { ...config, database: { ...config.database, dataDir: used } };
      cleanup = () => rm(used, { recursive: true, force: true });
    }
    try {
      await expect(restoreBackup(targetConfig, made.file)).rejects.toMatchObject({ code: 'BACKUP.TARGET_NOT_EMPTY', message: expect.stringMatching(/not empty/) });
      expect(await ctx().superuser('SELECT count(*)::int AS n FROM events')).toEqual(before);
      if (ctx().target === 'embedded') expect(await readdir(targetConfig.database.dataDir)).toEqual(['PG_VERSION']);
    } finally {
      await cleanup();
    }
  });

  it('names the company and position of an altered event and of a removed tail event', async () => {
    await withRestored(ctx().target, config, made.file, async (restored) => {
      const altered = await positionOf('acme', 'middle');
      const globexHead = made.manifest.chains.find((c) => c.companyId === 'globex')!.head.position;
      await restored.superuser(
        `ALTER TABLE events DISABLE TRIGGER events_no_update_delete;
         UPDATE events SET data = jsonb_set(data, '{amount}', '1000000') WHERE position = ${altered};
         DELETE FROM events WHERE position = ${globexHead};
         ALTER TABLE events ENABLE TRIGGER events_no_update_delete;`,
      );
      // Removing the newest event (after the last checkpoint) leaves a chain that proves itself...
      expect(await verifyChain(restored.db, signer.publicKeyPem, { companyId: 'globex' })).toMatchObject({ valid: true });
      // ...and the manifest's head is what catches it.
      const r = await verifyRestore(restored.db, restored.config, made.file, signer.publicKeyPem);
      expect(r.valid).toBe(false);
      expect(r.problems).toEqual([
        { companyId: 'acme', position: altered, reason: expect.stringMatching(/^HASH_MISMATCH/) },
        { companyId: 'globex', position: globexHead, reason: expect.stringMatching(/^HEAD_MISMATCH/) },
      ]);
    });
  });

  it('reports a database that went on past the backup, and accepts it as a continuation after point-in-time recovery', async () => {
    await withRestored(ctx().target, config, made.file, async (restored) => {
      const stream = { id: `acct-${randomUUID()}`, type: 'acct', companyId: 'acme' };
      const {
        positions: [later],
      } = await restored.db.transaction((tx) => store.append(tx, stream, [event('acme', 99)], 0), { companyId: 'acme' });
      await restored.db.transaction((tx) => store.append(tx, { ...stream, id: `acct-${randomUUID()}`, companyId: 'initech' }, [event('initech', 1)], 0), { companyId: 'initech' });
      const strict = await verifyRestore(restored.db, restored.config, made.file, signer.publicKeyPem);
      expect(strict.problems).toEqual([
        { companyId: 'acme', position: later, reason: expect.stringMatching(/^EXTRA_EVENTS/) },
        { companyId: 'initech', position: expect.any(String), reason: expect.stringMatching(/^UNEXPECTED_CHAIN/) },
      ]);
      expect(await verifyRestore(restored.db, restored.config, made.file, signer.publicKeyPem, { allowNewer: true })).toMatchObject({ valid: true, problems: [] });
    });
  });

  it('with --allow-newer still catches a chain that was rewritten from the backup\'s head on, and chained onward', async () => {
    await withRestored(ctx().target, config, made.file, async (restored) => {
      // An insider rewrites globex's newest event (after its last checkpoint) with a valid hash,
      // moves the chain head and appends on top: the chain proves itself again.
      const head = made.manifest.chains.find((c) => c.companyId === 'globex')!.head.position;
      const [row] = await restored.superuser(
        `SELECT event_id::text AS "eventId", stream_id AS "streamId", stream_type AS "streamType", version, type, schema_version AS "schemaVersion",
                data, metadata, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "recordedAt", encode(prev_hash, 'hex') AS prev
           FROM events WHERE position = ${head}`,
      );
      const data = { ...(row.data as object), amount: 1_000_000 };
      const record = { ...row, data, position: head, companyId: 'globex' } as unknown as ChainedRecord;
      const hash = eventHash(String(row.prev), record);
      await restored.superuser(
        `ALTER TABLE events DISABLE TRIGGER events_no_update_delete;
         UPDATE events SET data = '${JSON.stringify(data)}'::jsonb, hash = decode('${hash}', 'hex') WHERE position = ${head};
         ALTER TABLE events ENABLE TRIGGER events_no_update_delete;
         UPDATE event_chains SET hash = decode('${hash}', 'hex') WHERE company_id = 'globex';`,
      );
      await restored.db.transaction((tx) => store.append(tx, { id: `acct-${randomUUID()}`, type: 'acct', companyId: 'globex' }, [event('globex', 1)], 0), { companyId: 'globex' });
      expect(await verifyChain(restored.db, signer.publicKeyPem, { companyId: 'globex' })).toMatchObject({ valid: true });
      const r = await verifyRestore(restored.db, restored.config, made.file, signer.publicKeyPem, { allowNewer: true });
      expect(r.problems).toEqual([{ companyId: 'globex', position: head, reason: expect.stringMatching(/^HEAD_NOT_IN_CHAIN/) }]);
    });
  });

  it('refuses a file with one flipped byte, restores nothing from it, and the intact file still restores there', async () => {
    // A dump of some size (random data does not compress), sealed in small chunks: when the
    // flipped byte near the end is reached, pg_restore has already created tables and loaded rows.
    await ctx().db.transaction(
      (tx) => store.append(tx, { id: `bulk-${randomUUID()}`, type: 'acct', companyId: 'bulk' }, [{ ...event('bulk', 0), data: { blob: randomBytes(600_000).toString('hex') } }], 0),
      { companyId: 'bulk' },
    );
    const own = { ...config, backup: { ...config.backup, dir: path.join(dir, 'flip') } };
    const big = await createBackup(ctx().db, own, { signer });
    const key = config.backup.encryptionKey!;
    const opened = await openBackupFile(big.file, key);
    const small = path.join(own.backup.dir, 'small-chunks.mbak');
    await writeBackupFile(small, key, opened.manifest, opened.body(), 16 * 1024);
    await opened.close();
    const bytes = await readFile(small);
    bytes[bytes.length - 40] ^= 0x01;
    const flipped = path.join(own.backup.dir, 'flipped.mbak');
    await writeFile(flipped, bytes);
    const target = await emptyTarget(ctx().target, own);
    try {
      await expect(restoreBackup(target.config, flipped)).rejects.toMatchObject({
        code: 'BACKUP.FILE_DAMAGED',
        message: expect.stringMatching(/damaged or was altered: chunk \d+ does not authenticate/),
      });
      await restoreBackup(target.config, small);
      const restored = await target.open();
      try {
        expect(await verifyRestore(restored.db, target.config, small, signer.publicKeyPem)).toMatchObject({ valid: true, problems: [] });
      } finally {
        await restored.close();
      }
    } finally {
      await target.drop();
      await rm(own.backup.dir, { recursive: true, force: true });
    }
  });

  it('says which key a backup needs when the configured key is another one', async () => {
    const other = { ...config, backup: { ...config.backup, encryptionKey: randomBytes(32) } };
    const err = await restoreBackup(other, made.file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackupError);
    expect(err).toMatchObject({ code: 'BACKUP.KEY_MISMATCH' });
    expect((err as Error).message).toContain(backupKeyId(config.backup.encryptionKey!));
    expect((err as Error).message).toContain(backupKeyId(other.backup.encryptionKey));
    expect(await listBackups(other)).toEqual([expect.objectContaining({ file: made.file, status: 'other-key' })]);
  });

  it('never writes an unencrypted backup: without a key, create refuses and leaves no file', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'maple-nokey-'));
    try {
      const noKey = { ...config, backup: { ...config.backup, encryptionKey: undefined, dir: empty } };
      await expect(createBackup(ctx().db, noKey)).rejects.toMatchObject({ code: 'BACKUP.KEY_MISSING', message: expect.stringMatching(/BACKUP_ENCRYPTION_KEY/) });
      expect(await readdir(empty)).toEqual([]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
