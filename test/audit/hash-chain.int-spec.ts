import { createHmac, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventStore } from '@maple/platform';
import type { NewEvent, StoredEvent } from '@maple/platform';
import { AuditActions, AuditService, loadSigner, verifyExport } from '@maple/audit';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';

const md = (companyId: string | null) => ({
  actorId: 'u1',
  companyId,
  correlationId: randomUUID(),
  causationId: null,
  ip: '10.0.0.1',
  userAgent: 'jest',
});
const ev = (type: string, data: unknown, companyId: string | null): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: md(companyId),
});

describeEachDatabase('tamper-evident hash chain', (ctx) => {
  const store = new EventStore();
  const signer = loadSigner();
  const audit = () => new AuditService(ctx().db, store, new AuditActions(), signer);

  // Appends `n` events to each of two streams of a company, alternating, and returns them in order.
  async function seed(companyId: string | null, n = 4): Promise<StoredEvent[]> {
    const streams = [`acct-${randomUUID()}`, `acct-${randomUUID()}`];
    const scope = companyId ? { companyId } : { allCompanies: true };
    for (let i = 0; i < n; i++) {
      for (const [k, id] of streams.entries()) {
        await ctx().db.transaction(
          (tx) =>
            store.append(
              tx,
              { id, type: 'acct', companyId },
              [ev('Deposited', { amount: i * 10 + k, note: 'é ✓ 🍁' }, companyId)],
              i,
            ),
          scope,
        );
      }
    }
    return ctx().db.transaction(
      async (tx) =>
        (await Promise.all(streams.map((s) => store.readStream(tx, s))))
          .flat()
          .sort((a, b) => Number(BigInt(a.position) - BigInt(b.position))),
      scope,
    );
  }

  // Tampering as the superuser, past the append-only trigger.
  const tamper = (sql: string) =>
    ctx().superuser(
      `ALTER TABLE events DISABLE TRIGGER events_no_update_delete; ${sql}; ALTER TABLE events ENABLE TRIGGER events_no_update_delete;`,
    );

  it('verifies an untouched chain, and a sub-range of it, per company', async () => {
    const a = await seed('chain-ok');
    await seed('chain-other');
    const all = await audit().verify({ companyId: 'chain-ok' });
    expect(all).toMatchObject({ valid: true, checked: 8, head: { position: a[7].position } });
    const part = await audit().verify({
      companyId: 'chain-ok',
      fromPosition: a[2].position,
      toPosition: a[5].position,
    });
    expect(part).toMatchObject({ valid: true, checked: 4, head: { position: a[5].position } });
    const [first] = await ctx().superuser(
      `SELECT prev_hash IS NULL AS genesis, length(hash) AS len FROM events WHERE position = $1`,
      [a[0].position],
    );
    expect(first).toEqual({ genesis: true, len: 32 });
  });

  it('verifies across many batches and with tabs and newlines in stream ids (escaped fallback read)', async () => {
    const companyId = 'chain-long';
    for (let i = 0; i < 5; i++) {
      await ctx().db.transaction(
        (tx) =>
          store.append(
            tx,
            { id: `odd\tid\n${i}`, type: 'acct', companyId },
            Array.from({ length: 30 }, (_, k) => ev('Deposited', { k }, companyId)),
            0,
          ),
        { companyId },
      );
    }
    expect(await audit().verify({ companyId })).toMatchObject({ valid: true, checked: 150 });
  });

  it('chains platform-level events (no company) on their own', async () => {
    await seed(null, 2);
    expect(await audit().verify({ companyId: '__platform__' })).toMatchObject({ valid: true });
  });

  it('reports exactly the position of an event whose data was altered by one byte', async () => {
    const a = await seed('chain-altered');
    const victim = a[4];
    await tamper(
      `UPDATE events SET data = jsonb_set(data, '{amount}', to_jsonb((data->>'amount')::int + 1)) WHERE position = ${victim.position}`,
    );
    const r = await audit().verify({ companyId: 'chain-altered' });
    expect(r).toMatchObject({ valid: false, position: victim.position, checked: 4 });
    expect(r.valid === false && r.reason).toMatch(/^HASH_MISMATCH/);
    // The range before the altered event still verifies.
    expect(await audit().verify({ companyId: 'chain-altered', toPosition: a[3].position })).toMatchObject({
      valid: true,
      checked: 4,
    });
  });

  it('detects a deleted event at the next position, also at the start of a range', async () => {
    const a = await seed('chain-deleted');
    await tamper(`DELETE FROM events WHERE position = ${a[3].position}`);
    const r = await audit().verify({ companyId: 'chain-deleted' });
    expect(r).toMatchObject({ valid: false, position: a[4].position });
    expect(r.valid === false && r.reason).toMatch(/^CHAIN_BROKEN/);
    expect(await audit().verify({ companyId: 'chain-deleted', fromPosition: a[4].position })).toMatchObject({
      valid: false,
      position: a[4].position,
    });
  });

  it('proves the head against a signed checkpoint: removing the checkpointed tail is detected', async () => {
    const a = await seed('chain-tail');
    const cp = await audit().checkpoint('chain-tail');
    expect(cp).toMatchObject({ companyId: 'chain-tail', position: a[7].position, keyId: signer.keyId });
    expect(await audit().verify({ companyId: 'chain-tail' })).toMatchObject({
      valid: true,
      checkpoint: { position: a[7].position },
    });
    await tamper(`DELETE FROM events WHERE position = ${a[7].position}`);
    const r = await audit().verify({ companyId: 'chain-tail' });
    expect(r).toMatchObject({ valid: false, position: a[7].position });
    expect(r.valid === false && r.reason).toMatch(/^CHECKPOINT_MISSING_EVENT/);
  });

  it('exports NDJSON that verifies offline with only the public key, and names an altered line', async () => {
    const from = new Date(Date.now() - 1000);
    await seed('chain-export', 3);
    let text = '';
    for await (const chunk of audit().exportNdjson({
      companyId: 'chain-export',
      from,
      to: new Date(Date.now() + 1000),
    }))
      text += chunk;
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(JSON.parse(lines[6])).toMatchObject({ kind: 'checkpoint', companyId: 'chain-export' });
    expect(verifyExport(text, signer.publicKeyPem)).toMatchObject({ valid: true, events: 6 });

    const altered = [...lines];
    altered[2] = altered[2].replace('"amount":1', '"amount":7');
    expect(altered[2]).not.toBe(lines[2]);
    expect(verifyExport(altered.join('\n'), signer.publicKeyPem)).toMatchObject({ valid: false, line: 3 });
    const dropped = lines.filter((_, i) => i !== 3);
    expect(verifyExport(dropped.join('\n'), signer.publicKeyPem)).toMatchObject({ valid: false, line: 4 });
    const otherKey = loadSigner().publicKeyPem;
    expect(verifyExport(text, otherKey)).toMatchObject({ valid: false, line: 7 });
  });

  describe('over HTTP', () => {
    let app: NestFastifyApplication;
    // An access token as the identity context issues them (HS256, the app's secret).
    const token = (company: string | null, role: string) => {
      const { jwtSecret, issuer, audience } = ctx().config.auth;
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'auditor-1', company, role, jti: randomUUID(), iss: issuer, aud: audience, iat: now, exp: now + 300 })}`;
      return `Bearer ${body}.${createHmac('sha256', jwtSecret).update(body).digest('base64url')}`;
    };
    beforeAll(async () => {
      app = await startTestApi(ctx());
    });
    afterAll(async () => {
      await app.close();
    });

    it("serves verify, checkpoints, the public key and the NDJSON export to the company's auditors", async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      await seed('chain-http', 2);
      const auditor = { authorization: token('chain-http', 'COMPLIANCE_OFFICER') };
      const v = await app.inject({
        method: 'POST',
        url: '/audit/verify',
        payload: { companyId: 'chain-http' },
        headers: auditor,
      });
      expect(v.statusCode).toBe(200);
      expect(v.json()).toMatchObject({ valid: true, checked: 4 });
      expect(
        (
          await app.inject({
            method: 'POST',
            url: '/audit/verify',
            payload: { companyId: 'chain-http', fromPosition: 'x' },
            headers: auditor,
          })
        ).statusCode,
      ).toBe(400);
      expect(
        (
          await app.inject({
            method: 'POST',
            url: '/audit/checkpoints',
            payload: { companyId: 'chain-http' },
            headers: auditor,
          })
        ).statusCode,
      ).toBe(201);
      const key = await app.inject({ method: 'GET', url: '/audit/public-key' });
      expect(key.json()).toMatchObject({
        algorithm: 'Ed25519',
        publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY'),
      });
      const exp = await app.inject({
        method: 'GET',
        url: `/audit/export?companyId=chain-http&from=${from}&to=${new Date(Date.now() + 1000).toISOString()}`,
        headers: auditor,
      });
      expect(exp.statusCode).toBe(200);
      expect(exp.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(verifyExport(exp.body, key.json().publicKeyPem)).toMatchObject({ valid: true, events: 4 });
      const hist = await app.inject({
        method: 'GET',
        url: `/audit/entities/acct/nope/history`,
        headers: auditor,
      });
      expect(hist.statusCode).toBe(404);
      expect(hist.json()).toMatchObject({ code: 'AUDIT.ENTITY_NOT_FOUND' });
    });

    it("verifies, signs and exports the caller's own chain when the request names none", async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      await seed('chain-default', 2);
      const auditor = { authorization: token('chain-default', 'COMPLIANCE_OFFICER') };
      const v = await app.inject({ method: 'POST', url: '/audit/verify', payload: {}, headers: auditor });
      expect(v.statusCode).toBe(200);
      expect(v.json()).toMatchObject({ valid: true, checked: 4 });
      const cp = await app.inject({ method: 'POST', url: '/audit/checkpoints', payload: {}, headers: auditor });
      expect(cp.statusCode).toBe(201);
      expect(cp.json()).toMatchObject({ companyId: 'chain-default' });
      const exp = await app.inject({ method: 'GET', url: `/audit/export?from=${from}&to=${new Date(Date.now() + 1000).toISOString()}`, headers: auditor });
      expect(exp.statusCode).toBe(200);
      expect(exp.headers['content-disposition']).toContain('audit-chain-default.ndjson');
      const key = (await app.inject({ method: 'GET', url: '/audit/public-key' })).json().publicKeyPem as string;
      expect(verifyExport(exp.body, key)).toMatchObject({ valid: true, events: 4 });
      // A platform administrator's own chain is the platform's.
      const platform = await app.inject({ method: 'POST', url: '/audit/verify', payload: {}, headers: { authorization: token(null, 'ADMIN') } });
      expect(platform.statusCode).toBe(200);
      expect(platform.json()).toHaveProperty('valid');
    });

    it('keeps audit routes to auditors of the same company', async () => {
      const payload = { companyId: 'chain-http' };
      expect((await app.inject({ method: 'POST', url: '/audit/verify', payload })).statusCode).toBe(401);
      expect(
        (
          await app.inject({
            method: 'POST',
            url: '/audit/verify',
            payload,
            headers: { authorization: token('chain-http', 'VIEWER') },
          })
        ).statusCode,
      ).toBe(403);
      const other = await app.inject({
        method: 'POST',
        url: '/audit/verify',
        payload,
        headers: { authorization: token('another-co', 'ADMIN') },
      });
      expect(other.statusCode).toBe(403);
      expect(other.json()).toMatchObject({ code: 'AUDIT.FORBIDDEN' });
      const admin = await app.inject({
        method: 'GET',
        url: '/audit/logs?limit=1',
        headers: { authorization: token(null, 'ADMIN') },
      });
      expect(admin.statusCode).toBe(200);
    });
  });
});
