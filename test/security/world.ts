import { createHmac } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BootstrapAdmin } from '@maple/identity';
import type { AppConfig, Role } from '@maple/platform';

// Test fixtures for the security suites: a platform administrator, two companies (A and B) and
// one signed-in user per role in each, all created through the public API (so through events).

export const PASSWORD = 'amber-harbour-quartz-19';
export const ROLE_LIST: Role[] = ['ADMIN', 'USER', 'COMPLIANCE_OFFICER', 'HR_MANAGER', 'ANALYST', 'VIEWER'];

export type Member = { id: string; email: string; token: string; refreshToken: string };
export type Tenant = { companyId: string; users: Record<Role, Member> };
export type World = { platform: Member; a: Tenant; b: Tenant };

type Inject = { method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; url: string; token?: string; payload?: unknown; headers?: Record<string, string> };

export async function call(app: NestFastifyApplication, r: Inject) {
  return app.inject({
    method: r.method,
    url: r.url,
    payload: r.payload as never,
    headers: { ...(r.token ? { authorization: `Bearer ${r.token}` } : {}), ...r.headers },
  });
}

export async function signIn(app: NestFastifyApplication, email: string, password = PASSWORD): Promise<{ token: string; refreshToken: string }> {
  const res = await call(app, { method: 'POST', url: '/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in of ${email} failed: ${res.statusCode} ${res.body}`);
  return { token: res.json().accessToken, refreshToken: res.json().refreshToken };
}

let seq = 0;
/** A fresh world; `tag` keeps e-mails unique when one database hosts several worlds. */
export async function buildWorld(app: NestFastifyApplication, tag = `w${++seq}`): Promise<World> {
  const rootEmail = `root.${tag}@platform.test`;
  const { id: rootId } = await app.get(BootstrapAdmin).createPlatformAdmin(rootEmail, PASSWORD, 'Root');
  const root = await signIn(app, rootEmail);
  const platform: Member = { id: rootId, email: rootEmail, ...root };
  const tenant = async (name: string): Promise<Tenant> => {
    const c = await call(app, { method: 'POST', url: '/companies', token: platform.token, payload: { name: `${name} ${tag}`, size: 'SMB', region: 'EU' } });
    if (c.statusCode !== 201) throw new Error(`company: ${c.statusCode} ${c.body}`);
    const companyId: string = c.json().id;
    const adminEmail = `admin.${name}.${tag}@acme.test`.toLowerCase();
    const adm = await call(app, { method: 'POST', url: `/companies/${companyId}/admins`, token: platform.token, payload: { email: adminEmail, password: PASSWORD } });
    if (adm.statusCode !== 201) throw new Error(`admin: ${adm.statusCode} ${adm.body}`);
    const admin: Member = { id: adm.json().id, email: adminEmail, ...(await signIn(app, adminEmail)) };
    const users = { ADMIN: admin } as Record<Role, Member>;
    for (const role of ROLE_LIST.filter((r) => r !== 'ADMIN')) {
      const email = `${role.toLowerCase()}.${name}.${tag}@acme.test`.toLowerCase();
      const u = await call(app, { method: 'POST', url: '/users', token: admin.token, payload: { email, role, password: PASSWORD, name: role } });
      if (u.statusCode !== 201) throw new Error(`user: ${u.statusCode} ${u.body}`);
      users[role] = { id: u.json().id, email, ...(await signIn(app, email)) };
    }
    return { companyId, users };
  };
  return { platform, a: await tenant('A'), b: await tenant('B') };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Hand-made JWTs for the token tests (any header, any claims, any key). */
export function forgeToken(claims: Record<string, unknown>, opts: { alg?: string; secret?: string; sign?: boolean } = {}): string {
  const header = { alg: opts.alg ?? 'HS256', typ: 'JWT' };
  const body = `${b64(header)}.${b64(claims)}`;
  if (opts.sign === false) return `${body}.`;
  return `${body}.${createHmac('sha256', opts.secret ?? 'wrong').update(body).digest('base64url')}`;
}

export function validClaims(config: AppConfig, who: { userId: string; companyId: string | null; role: Role }, over: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { sub: who.userId, company: who.companyId, role: who.role, iss: config.auth.issuer, aud: config.auth.audience, iat: now, exp: now + 300, jti: `t-${now}-${Math.random()}`, ...over };
}
