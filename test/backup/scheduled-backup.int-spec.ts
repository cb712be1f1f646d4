import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventStore } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { loadSigner, runScheduledBackup } from '@maple/audit';
import { backupJobs, maintenanceJobs } from '../../apps/worker/jobs';
import { startTestApi } from '../support/api';
import { describeEachDatabase } from '../support/databases';

const HOUR = 3_600_000;

describeEachDatabase('scheduled backups', (ctx) => {
  let dir: string;
  let config: AppConfig;
  let app: NestFastifyApplication;
  const files = async () => (await readdir(dir)).sort();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'maple-scheduled-'));
    config = { ...ctx().config, backup: { ...ctx().config.backup, encryptionKey: randomBytes(32), dir, intervalMinutes: 60, keep: 2 } };
    const companyId = 'sched-co';
    await ctx().db.transaction(
      (tx) =>
        new EventStore().append(
          tx,
          { id: `acct-${randomUUID()}`, type: 'acct', companyId },
          [{ eventId: randomUUID(), type: 'Deposited', data: { amount: 1 }, metadata: { actorId: 'u', companyId, correlationId: randomUUID(), causationId: null, ip: null, userAgent: null } }],
          0,
        ),
      { companyId },
    );
    app = await startTestApi({ ...ctx(), config });
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is one of the maintenance jobs, asked every 5 minutes and at start, and absent when the interval is 0', () => {
    expect(maintenanceJobs(app).find((j) => j.name === 'backup.scheduled')).toMatchObject({ cron: '*/5 * * * *', runAtStart: true });
    expect(backupJobs(app, { ...config, backup: { ...config.backup, intervalMinutes: 0 } })).toEqual([]);
  });

  it('backs up when due, skips a restart within the interval, and keeps the newest BACKUP_KEEP', async () => {
    const job = maintenanceJobs(app).find((j) => j.name === 'backup.scheduled')!;
    const run = () => job.handler({}, { jobId: randomUUID(), name: job.name, attempt: 1 });
    // The job as the worker runs it, through the application's own services. Two chains: the
    // company's, and the platform's with Maple's own AI models, registered at start (libs/ai).
    expect(await run()).toMatch(/^wrote maple-backup-.*\.mbak \(.* MiB, \d+ events in 2 chains\)$/);
    const [first] = await files();
    expect(await run()).toMatch(/^skipped: maple-backup-.* is 0 min old/);
    expect(await files()).toEqual([first]);
    const signer = loadSigner();
    const later = (h: number) => new Date(Date.now() + h * HOUR);
    expect(await runScheduledBackup(ctx().db, config, signer, later(1))).toMatch(/^wrote /);
    expect(await runScheduledBackup(ctx().db, config, signer, later(2))).toMatch(new RegExp(`^wrote .*; removed ${first.replace(/\./g, '\\.')}$`));
    const kept = await files();
    expect(kept).toHaveLength(2);
    expect(kept).not.toContain(first);
  });

  it('without a key: skipped outside production, a failing run in production', async () => {
    const noKey = { ...config, backup: { ...config.backup, encryptionKey: undefined } };
    const before = await files();
    expect(await runScheduledBackup(ctx().db, noKey, null)).toMatch(/^skipped: BACKUP_ENCRYPTION_KEY is not set/);
    await expect(runScheduledBackup(ctx().db, { ...noKey, env: 'production' }, null)).rejects.toMatchObject({ code: 'BACKUP.KEY_MISSING' });
    expect(await files()).toEqual(before);
  });
});
