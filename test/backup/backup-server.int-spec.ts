import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EventStore } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { createBackup, createCheckpoint, loadSigner, restoreBackup, verifyRestore } from '@maple/audit';
import { openTestDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { withRestored } from './restore-targets';

// Only a PostgreSQL server runs writers beside the backup (PGlite runs one transaction at a
// time) and needs pg_dump.
const onServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

onServer('backups on a PostgreSQL server [postgres]', () => {
  const store = new EventStore();
  const signer = loadSigner();
  let t: TestDatabase;
  let dir: string;
  let config: AppConfig;

  beforeAll(async () => {
    t = await openTestDatabase('postgres');
    dir = await mkdtemp(path.join(os.tmpdir(), 'maple-server-backups-'));
    config = { ...t.config, backup: { ...t.config.backup, encryptionKey: randomBytes(32), dir } };
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const appendOne = (companyId: string, stream: string, version: number) =>
    t.db.transaction(
      (tx) =>
        store.append(
          tx,
          { id: stream, type: 'acct', companyId },
          [{ eventId: randomUUID(), type: 'Deposited', data: { version }, metadata: { actorId: 'w', companyId, correlationId: randomUUID(), causationId: null, ip: null, userAgent: null } }],
          version,
        ),
      { companyId },
    );

  it('states in the manifest exactly what the dump holds while writers keep appending', async () => {
    const companies = ['busy-a', 'busy-b', 'busy-c'];
    let stop = false;
    const written = new Map(companies.map((c) => [c, 0]));
    const writers = companies.map(async (c) => {
      const stream = `acct-${randomUUID()}`;
      for (let v = 0; !stop; v++) {
        await appendOne(c, stream, v);
        written.set(c, v + 1);
        if (v === 5) await createCheckpoint(t.db, signer, c);
      }
    });
    while ([...written.values()].some((n) => n < 10)) await new Promise((r) => setTimeout(r, 20));
    const made = await createBackup(t.db, config, { signer });
    // Keep writing a little after the snapshot, so the database is ahead of the backup.
    const atBackup = [...written.values()].reduce((a, b) => a + b, 0);
    while ([...written.values()].reduce((a, b) => a + b, 0) < atBackup + 20) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(writers);

    const inManifest = made.manifest.totals.events;
    const [{ n: inSource }] = await t.superuser('SELECT count(*)::int AS n FROM events');
    expect(inManifest).toBeLessThan(Number(inSource));
    await withRestored('postgres', config, made.file, async (restored) => {
      const r = await verifyRestore(restored.db, restored.config, made.file, signer.publicKeyPem);
      expect(r.problems).toEqual([]);
      const [{ n }] = await restored.superuser('SELECT count(*)::int AS n FROM events');
      expect(n).toBe(inManifest);
    });
  });

  it('says where to get pg_dump when it is missing, and writes nothing', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'maple-no-pg-'));
    try {
      const noTools = { ...config, backup: { ...config.backup, pgBinDir: empty, dir: path.join(empty, 'out') } };
      await expect(createBackup(t.db, noTools)).rejects.toMatchObject({
        code: 'BACKUP.TOOL_MISSING',
        message: expect.stringMatching(/pg_dump of PostgreSQL 1\d or newer was not found in PG_BIN_DIR .*apt-get install postgresql-client-1\d/),
      });
      expect(await readdir(path.join(empty, 'out'))).toEqual([]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('refuses to restore a PostgreSQL backup into the embedded database', async () => {
    const made = await createBackup(t.db, config);
    const folder = await mkdtemp(path.join(os.tmpdir(), 'maple-wrong-engine-'));
    try {
      const embedded = { ...config, database: { ...config.database, url: undefined, migrationUrl: undefined, dataDir: path.join(folder, 'data') } };
      await expect(restoreBackup(embedded, made.file)).rejects.toMatchObject({ code: 'BACKUP.ENGINE_MISMATCH', message: expect.stringMatching(/DATABASE_URL/) });
      expect(await readdir(folder)).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
