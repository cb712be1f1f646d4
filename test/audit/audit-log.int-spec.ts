import { randomUUID } from 'node:crypto';
import { CommandRunner, EventStore, ProjectionRegistry } from '@maple/platform';
import { AuditActions, AuditService, auditLogProjection, loadSigner } from '@maple/audit';
import { describeEachDatabase } from '../support/databases';
import { meta } from '../event-store/toy-account';
import { contactDecider } from './toy-contact';

type LogRow = {
  action: string;
  entityType: string;
  entityId: string;
  userId: string;
  companyId: string;
  changes: unknown;
  ipAddress: string | null;
  userAgent: string | null;
};

describeEachDatabase('audit log projection', (ctx) => {
  const store = new EventStore();
  const actions = new AuditActions();
  const registry = new ProjectionRegistry();
  registry.registerInline(auditLogProjection(actions));
  const runner = () => new CommandRunner(ctx().db, store, registry);
  const service = () => new AuditService(ctx().db, store, actions, loadSigner());
  const contact = () => ({ id: `contact-${randomUUID()}`, type: 'Contact', companyId: 'company-a' });
  const rows = (entityId: string) =>
    ctx().db.transaction(
      (tx) =>
        tx.query<LogRow>(
          `SELECT action, "entityType", "entityId", "userId", "companyId", changes, "ipAddress", "userAgent" FROM "AuditLog" WHERE "entityId" = $1 ORDER BY "timestamp", id`,
          entityId,
        ),
      { companyId: 'company-a' },
    );

  it('writes CREATE, UPDATE and DELETE rows with exactly the changed fields, in the append transaction', async () => {
    const s = contact();
    await runner().run(contactDecider, s, {
      type: 'CreateContact',
      name: 'Ada',
      email: 'ada@a.test',
      meta: meta(),
    });
    await runner().run(contactDecider, s, { type: 'ChangeContact', email: 'ada@b.test', meta: meta() });
    await runner().run(contactDecider, s, {
      type: 'DeleteContact',
      reason: 'gdpr',
      meta: meta('company-a', { actorId: null }),
    });
    const r = await rows(s.id);
    expect(r.map((x) => [x.action, x.changes])).toEqual([
      ['CREATE', { before: {}, after: { name: 'Ada', email: 'ada@a.test' } }],
      ['UPDATE', { before: { email: 'ada@a.test' }, after: { email: 'ada@b.test' } }],
      ['DELETE', { before: { name: 'Ada', email: 'ada@b.test' }, after: {} }],
    ]);
    expect(r[0]).toMatchObject({
      entityType: 'Contact',
      entityId: s.id,
      userId: 'user-1',
      companyId: 'company-a',
      ipAddress: '10.0.0.1',
      userAgent: 'jest',
    });
    expect(r[2].userId).toBe('system');
  });

  it('rolls the audit row back with a failed append and never writes it twice', async () => {
    const s = contact();
    const m = meta();
    await runner().run(contactDecider, s, { type: 'CreateContact', name: 'Bo', email: 'bo@a.test', meta: m });
    // A retried command (same id) appends nothing and audits nothing.
    await runner()
      .run(contactDecider, s, { type: 'CreateContact', name: 'Bo', email: 'bo@a.test', meta: m })
      .catch(() => undefined);
    await expect(
      ctx().db.transaction(
        async (tx) => {
          await store.append(
            tx,
            s,
            [
              {
                eventId: randomUUID(),
                type: 'ContactChanged',
                data: { name: 'X' },
                metadata: {
                  actorId: 'u',
                  companyId: 'company-a',
                  correlationId: 'c',
                  causationId: null,
                  ip: null,
                  userAgent: null,
                },
              },
            ],
            1,
          );
          const stored = await store.readStream(tx, s.id, { fromVersion: 2 });
          await registry.applyInline(tx, stored);
          throw new Error('boom');
        },
        { companyId: 'company-a' },
      ),
    ).rejects.toThrow('boom');
    expect((await rows(s.id)).map((x) => x.action)).toEqual(['CREATE']);
  });

  it('replays state as of a time and a version equal to what the projection showed then', async () => {
    const s = contact();
    await runner().run(contactDecider, s, {
      type: 'CreateContact',
      name: 'Cy',
      email: 'cy@a.test',
      meta: meta(),
    });
    const second = await runner().run(contactDecider, s, {
      type: 'ChangeContact',
      name: 'Cyd',
      meta: meta(),
    });
    const shown = await ctx().db.transaction(
      (tx) => tx.query<{ state: unknown }>('SELECT state FROM audit_entity_state WHERE stream_id = $1', s.id),
      { companyId: 'company-a' },
    );
    const at = second.events[0].recordedAt;
    await new Promise((r) => setTimeout(r, 5));
    await runner().run(contactDecider, s, { type: 'ChangeContact', email: 'cy@z.test', meta: meta() });
    await runner().run(contactDecider, s, { type: 'DeleteContact', reason: 'left', meta: meta() });

    const byTime = await service().stateAt({ companyId: 'company-a' }, 'Contact', s.id, { at });
    expect(byTime).toMatchObject({ version: 2, deleted: false, state: shown[0].state });
    expect(byTime.state).toEqual({ name: 'Cyd', email: 'cy@a.test' });
    expect(
      (await service().stateAt({ companyId: 'company-a' }, 'Contact', s.id, { version: 3 })).state,
    ).toEqual({ name: 'Cyd', email: 'cy@z.test' });
    expect(await service().stateAt({ companyId: 'company-a' }, 'Contact', s.id, {})).toMatchObject({
      version: 4,
      deleted: true,
      state: {},
    });
    await expect(
      service().stateAt({ companyId: 'company-a' }, 'Contact', s.id, { at: new Date(Date.UTC(2000, 0, 1)) }),
    ).rejects.toMatchObject({ code: 'AUDIT.ENTITY_NOT_FOUND' });
  });

  it('pages history oldest first with who, when, where and the diff', async () => {
    const s = contact();
    await runner().run(contactDecider, s, {
      type: 'CreateContact',
      name: 'Di',
      email: 'di@a.test',
      meta: meta(),
    });
    for (const n of ['Dia', 'Dian', 'Diana'])
      await runner().run(contactDecider, s, { type: 'ChangeContact', name: n, meta: meta() });
    const p1 = await service().history({ companyId: 'company-a' }, 'Contact', s.id, 0, 2);
    expect(p1.items.map((i) => [i.version, i.action])).toEqual([
      [1, 'CREATE'],
      [2, 'UPDATE'],
    ]);
    expect(p1.items[1]).toMatchObject({
      userId: 'user-1',
      ip: '10.0.0.1',
      userAgent: 'jest',
      changes: { before: { name: 'Di' }, after: { name: 'Dia' } },
    });
    expect(p1.nextCursor).toBe('2');
    const p2 = await service().history({ companyId: 'company-a' }, 'Contact', s.id, 2, 2);
    expect(p2.items.map((i) => i.changes)).toEqual([
      { before: { name: 'Dia' }, after: { name: 'Dian' } },
      { before: { name: 'Dian' }, after: { name: 'Diana' } },
    ]);
    expect(p2.nextCursor).toBeNull();
    // Another company's scope sees no such entity.
    await expect(service().history({ companyId: 'company-b' }, 'Contact', s.id)).rejects.toMatchObject({
      code: 'AUDIT.ENTITY_NOT_FOUND',
    });
  });

  it('records VIEW rows and finds them by user and action', async () => {
    const id = `hr-${randomUUID()}`;
    await service().recordView(
      { companyId: 'company-a' },
      {
        entityType: 'HRRecord',
        entityId: id,
        userId: 'auditor-9',
        companyId: 'company-a',
        ip: '10.9.9.9',
        userAgent: 'ua',
      },
    );
    const page = await service().logs(
      { companyId: 'company-a' },
      {
        userId: 'auditor-9',
        action: 'VIEW',
        from: new Date(Date.now() - 60_000),
        to: new Date(Date.now() + 60_000),
      },
      10,
    );
    expect(page.items).toEqual([
      expect.objectContaining({
        action: 'VIEW',
        entityType: 'HRRecord',
        entityId: id,
        userId: 'auditor-9',
        ipAddress: '10.9.9.9',
      }),
    ]);
  });

  it('paginates the log search with a cursor', async () => {
    const id = `hr-${randomUUID()}`;
    for (let i = 0; i < 5; i++)
      await service().recordView(
        { companyId: 'company-a' },
        { entityType: 'HRRecord', entityId: id, userId: 'pager', companyId: 'company-a' },
      );
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service().logs({ companyId: 'company-a' }, { entityId: id }, 2, cursor);
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(5);
  });

  it("refuses UPDATE, DELETE and TRUNCATE on AuditLog for the application role, and other companies' rows are invisible", async () => {
    const s = contact();
    await runner().run(contactDecider, s, {
      type: 'CreateContact',
      name: 'Ed',
      email: 'ed@a.test',
      meta: meta(),
    });
    const inA = (sql: string) =>
      ctx().db.transaction((tx) => tx.execute(sql, s.id), { companyId: 'company-a' });
    await expect(inA(`UPDATE "AuditLog" SET "userId" = 'forged' WHERE "entityId" = $1`)).rejects.toThrow();
    await expect(inA(`DELETE FROM "AuditLog" WHERE "entityId" = $1`)).rejects.toThrow();
    await expect(
      ctx().db.transaction((tx) => tx.execute(`TRUNCATE "AuditLog"`), { companyId: 'company-a' }),
    ).rejects.toThrow();
    // The owner is stopped by the trigger too.
    await expect(
      ctx().superuser(`UPDATE "AuditLog" SET "userId" = 'forged' WHERE "entityId" = $1`, [s.id]),
    ).rejects.toThrow(/append-only/);
    const inB = await ctx().db.transaction(
      (tx) => tx.query(`SELECT 1 FROM "AuditLog" WHERE "entityId" = $1`, s.id),
      { companyId: 'company-b' },
    );
    expect(inB).toEqual([]);
    expect((await rows(s.id)).map((r) => r.userId)).toEqual(['user-1']);
  });
});
