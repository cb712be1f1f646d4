import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommandRunner, EventStore, ProjectionRegistry, commandMeta } from '@maple/platform';
import { ComplianceRecords, SanctionsStore, complianceRecordProjection, rulesRiskModel } from '@maple/compliance';
import { describeEachDatabase, repoRoot } from '../support/databases';

const OFAC_DIR = path.resolve(repoRoot, 'data', 'sanctions', 'ofac');

// sdn.csv has one record per line; a record's quoted fields never span lines in OFAC's files.
const sdnRecords = readFileSync(path.join(OFAC_DIR, 'sdn.csv'), 'latin1').split(/\r?\n/).filter((l) => /^\d+,/.test(l)).length;

describeEachDatabase('sanctions snapshots and OFAC records', (ctx) => {
  let store: SanctionsStore;
  let records: ComplianceRecords;

  beforeAll(async () => {
    store = new SanctionsStore(ctx().db);
    const registry = new ProjectionRegistry();
    registry.registerInline(complianceRecordProjection);
    records = new ComplianceRecords(new CommandRunner(ctx().db, new EventStore(), registry), store, rulesRiskModel, { highRiskThreshold: 70, screeningThreshold: 0.9 }, ctx().db);
    await ctx().superuser(`INSERT INTO "Company" (id, name, "updatedAt") VALUES ('co-ofac', 'Bank', now()) ON CONFLICT DO NOTHING`);
  }, 120_000);

  it('imports the shared OFAC snapshot with as many entries as sdn.csv, versioned by SHA-256', async () => {
    const r = await store.importDirectory(OFAC_DIR, 'jest');
    expect(r.entries).toBe(sdnRecords);
    expect(r.aliases).toBeGreaterThan(1000);
    expect(r.addresses).toBeGreaterThan(1000);
    expect(r.version).toMatch(/^[0-9a-f]{64}$/);
    expect(r.active).toBe(true);
    const [{ n }] = await ctx().superuser(`SELECT count(*)::int AS n FROM sanctions_entries WHERE version = $1`, [r.version]);
    expect(n).toBe(sdnRecords);
  }, 120_000);

  it('refuses a malformed file with its line number and keeps the previous snapshot active', async () => {
    const before = await store.activeVersion();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ofac-broken-'));
    try {
      cpSync(OFAC_DIR, dir, { recursive: true });
      const lines = readFileSync(path.join(dir, 'sdn.csv'), 'latin1').split('\n');
      lines[41] = 'not-a-number,"BROKEN ROW"';
      writeFileSync(path.join(dir, 'sdn.csv'), lines.join('\n'), 'latin1');
      await expect(store.importDirectory(dir, 'jest')).rejects.toMatchObject({ code: 'COMPLIANCE.SANCTIONS_FILE_MALFORMED', details: { file: 'sdn.csv', line: 42 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await store.activeVersion()).toBe(before);
  });

  it('screens an OFAC record on creation, flags it on a hit, and keeps the evidence in its event', async () => {
    const meta = () => commandMeta({ actorId: 'alice', companyId: 'co-ofac' });
    const hit = await records.create('co-ofac', { type: 'OFAC', data: { name: 'Brahim Ben Hedili Ben Mohamed Hamami', entityType: 'person', dateOfBirth: '1971-11-20' } }, meta());
    expect(hit.state.status).toBe('flagged');
    const clean = await records.create('co-ofac', { type: 'OFAC', data: { name: 'Margaret Thistlewood', entityType: 'person' } }, meta());
    expect(clean.state.status).toBe('pending');
    // Replaying the decision from the event history shows the list version and hits it used.
    const [created] = await ctx().superuser(`SELECT data FROM events WHERE stream_id = $1 AND version = 1`, [`compliance-record-${hit.recordId}`]);
    const screening = (created.data as { screening: { listVersion: string; matcherVersion: string; hits: { entryId: string; score: number }[] } }).screening;
    expect(screening.listVersion).toBe(await store.activeVersion());
    expect(screening.matcherVersion).toMatch(/\S/);
    expect(screening.hits[0].score).toBeGreaterThanOrEqual(0.9);
  }, 120_000);

  it('re-screens open and approved subjects after a new snapshot, flagging only new hits, once per list version', async () => {
    const meta = () => commandMeta({ actorId: 'alice', companyId: 'co-ofac' });
    const subject = await records.create('co-ofac', { type: 'OFAC', data: { name: 'Ottoline Quarrendon', entityType: 'person' } }, meta());
    expect(subject.state.status).toBe('pending');
    const firstVersion = await store.activeVersion();
    // The next list names the subject.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ofac-next-'));
    try {
      cpSync(OFAC_DIR, dir, { recursive: true });
      const sdn = path.join(dir, 'sdn.csv');
      const text = readFileSync(sdn, 'latin1');
      writeFileSync(sdn, text.replace(/\s*$/, '') + '\n99999999,"QUARRENDON, Ottoline","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n', 'latin1');
      const next = await store.importDirectory(dir, 'jest');
      expect(next.version).not.toBe(firstVersion);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const sweep = await records.rescreen(ctx().db, commandMeta({ actorId: null, companyId: null }));
    expect(sweep.flagged).toBeGreaterThanOrEqual(1);
    const [row] = await ctx().superuser(`SELECT status, metadata->'openHits' AS hits FROM "ComplianceRecord" WHERE id = $1`, [subject.recordId]);
    expect(row).toEqual({ status: 'flagged', hits: ['99999999'] });
    // Run again on the same list: nothing new is decided.
    const again = await records.rescreen(ctx().db, commandMeta({ actorId: null, companyId: null }));
    expect(again).toMatchObject({ screened: 0, flagged: 0 });
  }, 120_000);
});
