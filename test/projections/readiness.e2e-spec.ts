import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRootLogger } from '@maple/platform';
import { createApi } from '../../apps/api/bootstrap';
import { describeEachDatabase } from '../support/databases';
import { holdHorizon } from './horizon-holder';

// A transaction left open anywhere in the cluster holds back every event-store reader
// (projections, rebuilds). Readiness names it as a warning, without failing: the API itself
// still serves, and taking every replica out of service for someone's open psql session
// would turn a slow read model into an outage.
describeEachDatabase('readiness and the catch-up horizon', (ctx, target) => {
  const onServer = target === 'postgres' ? it : it.skip;
  const onEmbedded = target === 'embedded' ? it : it.skip;
  let app: NestFastifyApplication;
  beforeAll(async () => {
    const t = ctx();
    const config = { ...t.config, projections: { ...t.config.projections, stallAfterMs: 1000 } };
    app = await createApi({ config, database: t.db, ownsDatabase: false, logger: createRootLogger('silent') });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
  });

  onServer('warns with the pid, age and application_name of a long transaction holding the horizon, and stays ready (PostgreSQL server)', async () => {
    const holder = await holdHorizon(ctx().url!, 'maple-readiness-test');
    try {
      await new Promise((r) => setTimeout(r, 1300));
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(200);
      const warning: string = res.json().warnings?.eventHorizon ?? '';
      expect(warning).toMatch(/^the catch-up horizon of every event-store reader is held back by /);
      // The oldest holder is named first; another database's older transaction may come before ours.
      if (!warning.includes(`pid ${holder.pid} `)) expect(warning).toMatch(/ and \d+ more$/);
      else expect(warning).toMatch(new RegExp(`pid ${holder.pid} \\(application_name 'maple-readiness-test', database \\S+, idle in transaction\\), in its transaction for \\d+ s`));
    } finally {
      await holder.release();
    }
  });

  onEmbedded('has no warning on the embedded database, where one transaction runs at a time (embedded only)', async () => {
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json().warnings).toBeUndefined();
  });
});
