import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import path from 'node:path';
import { SanctionsStore } from '@maple/compliance';
import { hasPermissions, platformOnly } from '@maple/platform';
import type { Role } from '@maple/platform';
import { describeEachDatabase, repoRoot } from '../support/databases';
import { startTestApi } from '../support/api';
import { BODY_VALUES, LEAKS, URL_VALUES, WHOLE_BODIES } from './hostile-values';
import type { BodyValue } from './hostile-values';
import { bodyFields, exampleBody, operations, paramsIn } from './openapi-ops';
import type { Doc, Op } from './openapi-ops';
import { PASSWORD, buildWorld, call } from './world';
import type { World } from './world';

// Walks every operation of the OpenAPI document and sends it hostile values, one slot at a
// time (each path parameter, query parameter and body field), and hostile whole bodies. Every
// answer must be below 500; every error problem+json with a `code`; no body may carry a stack
// trace or SQL; and a refused request must write nothing (the events table does not grow).

const LEAST_PRIVILEGED_FIRST: Role[] = ['VIEWER', 'USER', 'ANALYST', 'HR_MANAGER', 'COMPLIANCE_OFFICER', 'ADMIN'];
const HOSTILE = '\u0001hostile\u0001';

type Sent = { label: string; method: Op['method']; url: string; token?: string; body?: string };

/** Leaves of an example body, two levels down (`data.name`, `features.modules.ai`). */
function leaves(value: unknown, prefix = '', depth = 0): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || depth > 2) return prefix ? [prefix] : [];
  const own = Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k, depth + 1));
  return prefix ? [prefix, ...own] : own;
}

function withValue(body: Record<string, unknown>, path: string, v: BodyValue): string {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let at = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) at = (at[k] = { ...((at[k] as Record<string, unknown>) ?? {}) }) as Record<string, unknown>;
  at[keys[keys.length - 1]] = v.raw === undefined ? v.value : HOSTILE;
  const text = JSON.stringify(copy);
  return v.raw === undefined ? text : text.replace(JSON.stringify(HOSTILE), v.raw);
}

describeEachDatabase(
  'security: hostile input on every operation',
  (ctx) => {
    let app: NestFastifyApplication;
    let w: World;
    let doc: Doc;
    let victimCompany: string;
    let victimUser: string;
    let recordId: string;
    beforeAll(async () => {
      app = await startTestApi(ctx());
      w = await buildWorld(app, 'fuzz');
      doc = (await call(app, { method: 'GET', url: '/docs-json' })).json() as Doc;
      const root = w.platform.token;
      // OFAC records are screened on creation: with no list, every create would end in 503.
      await app.get(SanctionsStore).importDirectory(path.join(repoRoot, 'data', 'sanctions', 'ofac'), 'fuzz');
      // Company A gets every module and a budget no fuzz run reaches, so module routes run their handlers.
      const sub = await call(app, { method: 'POST', url: `/billing/companies/${w.a.companyId}/subscription`, token: root, payload: { tier: 'ENTERPRISE', billingCycle: 'annual', price: '0', features: { apiRequestsPerMinute: 1_000_000 } } });
      expect(sub.statusCode).toBe(201);
      // Writes aim at a company and a user of their own, so the world the other requests use stays put.
      victimCompany = (await call(app, { method: 'POST', url: '/companies', token: root, payload: { name: 'Victim fuzz' } })).json().id;
      victimUser = (await call(app, { method: 'POST', url: '/users', token: w.a.users.ADMIN.token, payload: { email: 'victim.fuzz@acme.test', role: 'USER', password: PASSWORD } })).json().id;
      const rec = await call(app, { method: 'POST', url: '/compliance/records', token: w.a.users.COMPLIANCE_OFFICER.token, payload: { type: 'KYC', data: { subjectName: 'Ann Fuzz', dateOfBirth: '1990-01-31', nationality: 'DE', documentType: 'passport', documentNumber: 'P1' } } });
      expect(rec.statusCode).toBe(201);
      recordId = rec.json().id;
    });
    afterAll(async () => {
      await app.close();
    });

    function tokenFor(o: Op): string | undefined {
      if (!o.permissions.length) return undefined;
      if (o.permissions.some(platformOnly)) return w.platform.token;
      const role = LEAST_PRIVILEGED_FIRST.find((r) => hasPermissions({ role: r, companyId: w.a.companyId }, o.permissions));
      return role ? w.a.users[role].token : w.platform.token;
    }

    function pathValue(o: Op, param: string): string {
      if (param === 'type') return 'Company';
      if (o.path.startsWith('/compliance/records')) return recordId;
      if (o.path.startsWith('/users')) return victimUser;
      if (o.path.startsWith('/audit') || (o.method === 'GET' && o.path.startsWith('/companies'))) return w.a.companyId;
      return victimCompany;
    }

    // Required query parameters get a valid value when another slot is fuzzed.
    const requiredQuery = (): Record<string, string> => ({ companyId: w.a.companyId, from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' });

    function baseBody(o: Op): Record<string, unknown> {
      const body = { ...(exampleBody(doc, o.op) ?? {}) };
      if ('companyId' in body) body.companyId = w.a.companyId;
      return body;
    }

    function requests(o: Op): Sent[] {
      const token = tokenFor(o);
      const query = paramsIn(o.op, 'query');
      const required = Object.entries(requiredQuery()).filter(([k]) => o.path === '/audit/export' && query.includes(k));
      const qs = (extra: string[]) => [...required.map(([k, v]) => `${k}=${encodeURIComponent(v)}`), ...extra].join('&');
      const url = (path: (p: string) => string, extra: string[] = []) => {
        const q = qs(extra);
        return o.path.replace(/\{([^}]+)\}/g, (_, p: string) => path(p)) + (q ? `?${q}` : '');
      };
      const good = (p: string) => encodeURIComponent(pathValue(o, p));
      const body = o.op.requestBody ? JSON.stringify(baseBody(o)) : undefined;
      // As documented first (it proves the token gets past authentication), then with an
      // undeclared query parameter, so that operations without parameters are walked too.
      const out: Sent[] = [{ label: 'as documented', method: o.method, token, body, url: url(good) }];
      for (const v of URL_VALUES.slice(0, 4)) out.push({ label: `undeclared query parameter: ${v.label}`, method: o.method, token, body, url: url(good, [`unexpected=${v.encoded}`]) });
      for (const param of paramsIn(o.op, 'path')) {
        for (const v of URL_VALUES) out.push({ label: `path ${param}: ${v.label}`, method: o.method, token, body, url: url((p) => (p === param ? v.encoded : good(p))) });
      }
      for (const param of query) {
        const others = required.filter(([k]) => k !== param);
        for (const v of URL_VALUES) {
          const pairs = v.twice ? [`${param}=a`, `${param}=b`] : [`${param}=${v.encoded}`];
          const q = [...others.map(([k, val]) => `${k}=${encodeURIComponent(val)}`), ...pairs].join('&');
          out.push({ label: `query ${param}: ${v.label}`, method: o.method, token, body, url: `${o.path.replace(/\{([^}]+)\}/g, (_, p: string) => good(p))}?${q}` });
        }
      }
      if (o.op.requestBody) {
        const base = baseBody(o);
        const fields = [...new Set([...leaves(base), ...bodyFields(doc, o.op)])];
        for (const f of fields) for (const v of BODY_VALUES) out.push({ label: `body ${f}: ${v.label}`, method: o.method, token, url: url(good), body: withValue(base, f, v) });
        for (const v of WHOLE_BODIES) out.push({ label: v.label, method: o.method, token, url: url(good), body: v.raw });
      }
      return out;
    }

    it('answers every hostile request below 500, as problem+json with a code, leaking nothing and writing nothing when it refuses', async () => {
      const ops = operations(doc);
      expect(ops.length).toBeGreaterThanOrEqual(40);
      const countEvents = async () => Number((await ctx().superuser('SELECT count(*)::int AS n FROM events'))[0].n);
      // Failures grouped by operation and kind, with the first few values that caused each.
      const failures = new Map<string, string[]>();
      let where = '';
      const fail = (kind: string, detail: string) => {
        const key = `${where.split(' [')[0]}: ${kind}`;
        const list = failures.get(key) ?? [];
        if (list.length < 3) list.push(`${where.split(' [')[1]?.replace(/]$/, '')} -> ${detail}`);
        failures.set(key, list);
      };
      const codes = new Map<string, number>();
      const reachedPastAuth = new Set<string>();
      let sent = 0;
      let events = await countEvents();
      for (const o of ops) {
        for (const r of requests(o)) {
          const res = await app.inject({
            method: r.method,
            url: r.url,
            headers: { ...(r.token ? { authorization: `Bearer ${r.token}` } : {}), ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}) },
            payload: r.body,
          });
          sent++;
          where = `${r.method} ${o.path} [${r.label}]`;
          const after = await countEvents();
          if (res.statusCode >= 500) fail(`answers ${res.statusCode}`, res.body.slice(0, 160));
          if (res.statusCode >= 400) {
            const code = /^application\/problem\+json/.test(String(res.headers['content-type'])) ? (res.json() as { code?: unknown }).code : undefined;
            if (typeof code !== 'string') fail(`${res.statusCode} is not problem+json with a code`, `${String(res.headers['content-type'])} ${res.body.slice(0, 120)}`);
            else codes.set(code, (codes.get(code) ?? 0) + 1);
            if (after !== events) fail(`refused with ${res.statusCode} but wrote events`, `${after - events} event(s)`);
            if (res.statusCode === 429 && !res.headers['retry-after']) fail('429 without Retry-After', res.body.slice(0, 120));
          }
          if (r.label === 'as documented' && !(res.statusCode === 401 && res.json().code === 'UNAUTHORIZED')) reachedPastAuth.add(`${o.method} ${o.path}`);
          const leak = LEAKS.find((re) => re.test(res.body));
          if (leak) fail(`body matches ${leak}`, res.body.slice(0, 160));
          events = after;
        }
      }
      expect(Object.fromEntries(failures)).toEqual({});
      // The walk was real: thousands of requests, each operation got past authentication, and
      // every kind of refusal the edge and the validators make was seen.
      expect(sent).toBeGreaterThan(2000);
      expect(ops.filter((o) => o.permissions.length && !reachedPastAuth.has(`${o.method} ${o.path}`)).map((o) => `${o.method} ${o.path}`)).toEqual([]);
      const kinds = ['INPUT.UNSAFE_TEXT', 'INPUT.TOO_DEEP', 'MALFORMED_URL', 'URI_TOO_LONG', 'MALFORMED_JSON', 'VALIDATION_FAILED'];
      expect(kinds.filter((c) => !codes.get(c))).toEqual([]);
    }, 300_000); // about 15 s per database on an idle 2-core machine; the limit allows for a loaded one
  },
  // The fuzz sends thousands of requests from one address, many of them failed sign-ins.
  { RATE_LIMIT_PER_MINUTE: '0', LOGIN_IP_FAILURE_LIMIT: '1000000' },
);
