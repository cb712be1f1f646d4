import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PersonalData, createRootLogger } from '@maple/platform';
import type { AppConfig, Kek } from '@maple/platform';
import { createApi } from '../../apps/api/bootstrap';
import { databaseTargets, openTestDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { call } from '../security/world';
import { PURPOSE, buildHrWorld, employeeData } from './hr-world';
import type { HrWorld } from './hr-world';

type View = { id: string; data: Record<string, unknown> };

// KEK rotation as an operator runs it: the new KEK first in PII_KEKS, `privacy rotate-kek`,
// then the old KEK removed. Only the data keys are rewrapped; every record still reads.
for (const target of databaseTargets()) {
  describe(`HR: KEK rotation keeps every record readable [${target}]`, () => {
    let t: TestDatabase;
    const apps: NestFastifyApplication[] = [];
    const k1: Kek = { id: 'k1', key: randomBytes(32) };
    const k2: Kek = { id: 'k2', key: randomBytes(32) };
    const api = async (keks: Kek[]) => {
      const config: AppConfig = { ...t.config, privacy: { keks } };
      const app = await createApi({ config, database: t.db, ownsDatabase: false, logger: createRootLogger('silent') });
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      apps.push(app);
      return app;
    };

    beforeAll(async () => {
      t = await openTestDatabase(target);
    });
    afterAll(async () => {
      for (const a of apps) await a.close();
      await t.close();
    });

    it('rewraps the data keys with the new KEK; with the old one removed, every record reads as before', async () => {
      const before = await api([k1]);
      const w: HrWorld = await buildHrWorld(before, []);
      const ids: string[] = [];
      for (const tag of ['9001', '9002', '9003']) {
        const res = await call(before, { method: 'POST', url: '/hr/employees', token: w.a.users.HR_MANAGER.token, payload: { data: employeeData(tag) } });
        expect(res.statusCode).toBe(201);
        ids.push((res.json() as View).id);
      }
      const cand = await call(before, { method: 'POST', url: '/hr/candidates', token: w.a.users.HR_MANAGER.token, payload: { data: { fullName: 'Rotating Candidate', email: 'rot@example.test', appliedFor: 'Analyst' } } });
      ids.push((cand.json() as View).id);
      const read = async (app: NestFastifyApplication) =>
        Promise.all(ids.map(async (id) => (await call(app, { method: 'GET', url: `/hr/records/${id}`, token: w.a.users.HR_MANAGER.token, headers: PURPOSE })).json() as View));
      const original = await read(before);
      expect(original[0].data).toMatchObject({ fullName: 'Grace Hopper 9001', nationalId: '756.9001.5678.97' });
      expect(await t.superuser(`SELECT DISTINCT kek_id FROM privacy_data_keys`)).toEqual([{ kek_id: 'k1' }]);

      const both = await api([k2, k1]);
      const report = await both.get(PersonalData).rotateKek(t.db);
      expect(report).toMatchObject({ kekId: 'k2', dataKeys: expect.any(Number), indexKeys: 1 });
      expect(report.dataKeys).toBeGreaterThanOrEqual(4);
      expect(await t.superuser(`SELECT DISTINCT kek_id FROM privacy_data_keys UNION SELECT DISTINCT kek_id FROM privacy_index_keys`)).toEqual([{ kek_id: 'k2' }]);

      const after = await api([k2]);
      expect(await read(after)).toEqual(original);
      // The blind index still finds people: its key was rewrapped too.
      const found = await call(after, { method: 'GET', url: '/hr/lookup?field=email&value=grace.9002%40example.test', token: w.a.users.HR_MANAGER.token, headers: PURPOSE });
      expect((found.json() as { items: View[] }).items.map((i) => i.id)).toEqual([ids[1]]);
      // Without the KEK the keys are now wrapped by, nothing reads: the old KEK alone is useless.
      const stale = await api([k1]);
      const refused = await call(stale, { method: 'GET', url: `/hr/records/${ids[0]}`, token: w.a.users.HR_MANAGER.token, headers: PURPOSE });
      expect(refused.statusCode).toBe(500);
      expect(refused.json()).toMatchObject({ code: 'PRIVACY.KEK_UNKNOWN' });
      expect(refused.body).not.toContain('Grace');
    }, 120_000);
  });
}
