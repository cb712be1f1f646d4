import { connect } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { commandMeta } from '@maple/platform';
import { CompanyCommands } from '@maple/tenancy';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { DEEP_OBJECT } from './hostile-values';
import { buildWorld, call } from './world';
import type { World } from './world';

// One regression test per cause of the 500s that fuzzing found (issue 11, part 9). Each answer
// is a 4xx problem+json with a stable code, and a refused request leaves the events table as it was.

const KYC = { subjectName: 'Ann Example', dateOfBirth: '1990-01-31', nationality: 'DE', documentType: 'passport', documentNumber: 'P1' };

describeEachDatabase('security: bad input gets a 4xx, never a 500', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app, 'bad');
  });
  afterAll(async () => {
    await app.close();
  });

  const events = async () => Number((await ctx().superuser('SELECT count(*)::int AS n FROM events'))[0].n);
  const officer = () => w.a.users.COMPLIANCE_OFFICER.token;
  const raw = (method: 'GET' | 'POST' | 'PATCH', url: string, token: string | undefined, body?: string) =>
    app.inject({ method, url, payload: body, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) } });

  /** The request is refused with `status` and `code`, as problem+json, and writes no event. */
  async function refused(send: () => Promise<{ statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> }>, status: number, code: string) {
    const before = await events();
    const res = await send();
    expect({ status: res.statusCode, code: res.json().code }).toEqual({ status, code });
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(await events()).toBe(before);
    return res.json();
  }

  it('refuses a NUL character in a path, a query and a body string, naming where it is', async () => {
    const token = w.a.users.ADMIN.token;
    expect((await refused(() => raw('GET', '/users/a%00b', token), 400, 'INPUT.UNSAFE_TEXT')).errors).toEqual([{ field: 'path.id', message: expect.stringMatching(/NUL/) }]);
    await refused(() => raw('GET', '/audit/logs?entityId=a%00b', token), 400, 'INPUT.UNSAFE_TEXT');
    const body = await refused(() => call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'KYC', data: { ...KYC, subjectName: 'Ann\u0000' } } }), 400, 'INPUT.UNSAFE_TEXT');
    expect(body.errors).toEqual([{ field: 'body.data.subjectName', message: expect.stringMatching(/NUL/) }]);
  });

  it('refuses a lone surrogate: in the sign-in body (it raised a URIError), in a key, and as bytes in a URL', async () => {
    await refused(() => call(app, { method: 'POST', url: '/auth/login', payload: { email: 'a@acme.test', password: 'pass\ud800word' } }), 400, 'INPUT.UNSAFE_TEXT');
    await refused(() => raw('POST', '/compliance/records', officer(), '{"type":"KYC","data":{},"metadata":{"\\udc00":1}}'), 400, 'INPUT.UNSAFE_TEXT');
    await refused(() => raw('GET', '/audit/logs?entityId=%ED%A0%80', w.a.users.ADMIN.token), 400, 'MALFORMED_URL');
    await refused(() => raw('GET', '/users/%ED%A0%80', w.a.users.ADMIN.token), 400, 'MALFORMED_URL');
  });

  it('caps nesting before validation: 10,000 levels are refused, 10 levels are fine', async () => {
    await refused(() => raw('POST', '/compliance/records', officer(), `{"type":"KYC","data":${JSON.stringify(KYC)},"metadata":${DEEP_OBJECT}}`), 400, 'INPUT.TOO_DEEP');
    await refused(() => raw('PATCH', `/companies/${w.a.companyId}`, w.platform.token, DEEP_OBJECT), 400, 'INPUT.TOO_DEEP');
    let ten: unknown = 'leaf';
    for (let i = 0; i < 10; i++) ten = { level: ten };
    expect((await call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'KYC', data: KYC, metadata: { ten } } })).statusCode).toBe(201);
  });

  it('refuses integers around 1e20 and positions past bigint', async () => {
    await refused(() => call(app, { method: 'GET', url: '/companies?offset=1e20', token: w.platform.token }), 400, 'VALIDATION_FAILED');
    await refused(() => call(app, { method: 'GET', url: '/users?offset=100000000000000000000', token: w.a.users.ADMIN.token }), 400, 'VALIDATION_FAILED');
    await refused(() => call(app, { method: 'GET', url: `/audit/entities/Company/${w.a.companyId}/state?version=1e20`, token: w.a.users.ADMIN.token }), 400, 'VALIDATION_FAILED');
    await refused(() => call(app, { method: 'GET', url: `/audit/entities/Company/${w.a.companyId}/history?cursor=1e20`, token: w.a.users.ADMIN.token }), 400, 'VALIDATION_FAILED');
    await refused(() => call(app, { method: 'POST', url: '/audit/verify', token: w.a.users.ADMIN.token, payload: { companyId: w.a.companyId, toPosition: '99999999999999999999' } }), 400, 'VALIDATION_FAILED');
  });

  it('accepts no impossible date and no ISO week date anywhere a date is taken, and still takes 29 February of a leap year', async () => {
    const admin = w.a.users.ADMIN.token;
    const dated = (d: string) => [
      () => call(app, { method: 'GET', url: `/audit/logs?from=${d}`, token: admin }),
      () => call(app, { method: 'GET', url: `/audit/logs?to=${d}`, token: admin }),
      () => call(app, { method: 'GET', url: `/audit/entities/Company/${w.a.companyId}/state?at=${d}`, token: admin }),
      () => call(app, { method: 'GET', url: `/audit/export?companyId=${w.a.companyId}&from=${d}&to=2030-01-01T00:00:00Z`, token: admin }),
      () => call(app, { method: 'GET', url: `/compliance/records?from=${d}`, token: admin }),
      () => call(app, { method: 'GET', url: `/compliance/records?to=${d}`, token: admin }),
      () => call(app, { method: 'POST', url: '/compliance/screenings', token: officer(), payload: { name: 'Ann Example', dateOfBirth: d } }),
    ];
    for (const bad of ['2026-02-30', '2026-W01-1', '2026-13-01', '2026-02-30T10:00:00Z', '2026-02-28T25:00:00Z']) {
      for (const send of dated(bad)) await refused(send, 400, 'VALIDATION_FAILED');
      for (const type of ['KYC', 'OFAC']) {
        const data = type === 'KYC' ? { ...KYC, dateOfBirth: bad } : { name: 'Ann Example', entityType: 'person', dateOfBirth: bad };
        await refused(() => call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type, data } }), 400, 'COMPLIANCE.DATA_INVALID');
      }
    }
    const leap = await call(app, { method: 'GET', url: '/audit/logs?from=2024-02-29&to=2024-03-01T00:00:00%2B01:00', token: admin });
    expect(leap.statusCode).toBe(200);
  });

  it('answers 404 to starting a subscription for an unknown company, and writes nothing', async () => {
    await refused(() => call(app, { method: 'POST', url: '/billing/companies/no-such-company/subscription', token: w.platform.token, payload: { tier: 'TRIAL', billingCycle: 'monthly', price: '0' } }), 404, 'TENANCY.COMPANY_NOT_FOUND');
  });

  it('refuses PATCH /companies/{id} with name: null and keeps the name', async () => {
    const before = (await call(app, { method: 'GET', url: `/companies/${w.a.companyId}`, token: w.a.users.ADMIN.token })).json().name;
    const body = await refused(() => call(app, { method: 'PATCH', url: `/companies/${w.a.companyId}`, token: w.platform.token, payload: { name: null } }), 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
    expect((await call(app, { method: 'GET', url: `/companies/${w.a.companyId}`, token: w.a.users.ADMIN.token })).json().name).toBe(before);
  });

  it('exports a company whose id is not ASCII, with a Content-Disposition any client can read', async () => {
    const id = 'société-日本';
    await app.get(CompanyCommands).create({ name: 'Société Nippon', industry: null, size: null, region: null, complianceLevel: null }, commandMeta({ actorId: 'test', companyId: null }), id);
    const res = await call(app, { method: 'GET', url: `/audit/export?companyId=${encodeURIComponent(id)}&from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`, token: w.platform.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="audit-soci_t_-__.ndjson"; filename*=UTF-8''audit-${encodeURIComponent(id)}.ndjson`);
    expect(res.body.split('\n')[0]).toContain('"kind":"event"');
  });

  it('answers malformed URL encoding, an over-long path segment and an unknown route with problem+json', async () => {
    await refused(() => raw('GET', '/users/%E0%A4%A', w.a.users.ADMIN.token), 400, 'MALFORMED_URL');
    await refused(() => raw('GET', `/users/${'x'.repeat(5000)}`, w.a.users.ADMIN.token), 414, 'URI_TOO_LONG');
    await refused(() => raw('GET', `/${'x/'.repeat(5000)}`, undefined), 404, 'NOT_FOUND');
  });

  it('answers a request line over 16 KiB (refused by the HTTP parser, before Fastify) with problem+json', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(await app.getUrl());
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET /users/${'x'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
  });

  it('refuses compliance metadata fields only the server sets (so none can fake a review or skip re-screening)', async () => {
    for (const key of ['decisionReason', 'flagReason', 'lastScreening', 'openHits', 'approvals', 'risk']) {
      const body = await refused(() => call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'KYC', data: KYC, metadata: { [key]: { listVersion: 'latest' } } } }), 400, 'COMPLIANCE.METADATA_INVALID');
      expect(body.field).toBe(`metadata.${key}`);
    }
  });

  it('takes a correction only of an existing record of the same company', async () => {
    const mine = (await call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'KYC', data: KYC } })).json().id as string;
    const theirs = (await call(app, { method: 'POST', url: '/compliance/records', token: w.b.users.COMPLIANCE_OFFICER.token, payload: { type: 'KYC', data: KYC } })).json().id as string;
    for (const id of ['no-such-record', theirs]) {
      await refused(() => call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'KYC', data: KYC, correctsRecordId: id } }), 422, 'COMPLIANCE.CORRECTED_RECORD_UNKNOWN');
    }
    const fix = await call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'KYC', data: KYC, correctsRecordId: mine } });
    expect(fix.statusCode).toBe(201);
    expect(fix.json().metadata.correctsRecordId).toBe(mine);
  });
});
