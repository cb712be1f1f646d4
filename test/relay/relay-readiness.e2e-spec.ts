import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AppConfig } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { buildWorld } from '../security/world';
import { NATS_SKIP_REASON, NATS_URL, deleteStream, natsConnection, natsReachable, streamMessages, uniqueStream } from './nats-support';

const reachable = natsReachable();
if (!reachable) console.warn(`skipping the live NATS relay tests: ${NATS_SKIP_REASON}`);

const withRelay = (t: TestDatabase, natsUrl: string, relay: AppConfig['relay']): AppConfig => ({
  ...t.config,
  natsUrl,
  relay,
  projections: { ...t.config.projections, stallAfterMs: 1000 },
});

async function eventCount(t: TestDatabase): Promise<number> {
  const [{ n }] = await t.superuser(`SELECT count(*)::int AS n FROM events`);
  return Number(n);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const metric = (body: string, re: RegExp): number => Number(body.match(re)?.[1] ?? NaN);

// On the embedded database the API process is the only one that can read the store, so it runs
// the relay itself; on a PostgreSQL server the worker does, and the API leaves it alone.
describeEachDatabase('the NATS relay in the API process: metrics and readiness', (ctx, target) => {
  const embedded = target === 'embedded';
  const live = reachable ? it : it.skip;
  const { stream, subjectPrefix } = uniqueStream();
  let app: NestFastifyApplication;
  let nc: NatsConnection | undefined;
  beforeAll(async () => {
    app = await startTestApi(ctx(), withRelay(ctx(), NATS_URL, { stream, subjectPrefix }));
    if (reachable) nc = await natsConnection();
  });
  afterAll(async () => {
    await app.close();
    if (nc) {
      await deleteStream(nc, stream);
      await nc.close();
    }
  });

  (embedded ? live : it.skip)('publishes what users do over HTTP, and shows the lag and published counts in /metrics and readiness (embedded: the API runs it)', async () => {
    await buildWorld(app);
    const total = await eventCount(ctx());
    expect(total).toBeGreaterThan(5);
    await until('the relay to catch up', async () => ((await streamMessages(nc!, stream).catch(() => 0)) === total ? true : undefined));
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.projections).toBe('ok');
    expect(ready.json().warnings?.natsRelay).toBeUndefined();
    const body = await until('the lag metric to reach 0', async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      return metric(res.body, /^projection_lag_events\{projection="nats-relay"\} (\d+)/m) === 0 ? res.body : undefined;
    });
    expect(metric(body, /^nats_relay_published_total\{result="stored"\} (\d+)/m)).toBe(total);
  }, 60_000);

  (embedded ? it.skip : it)('leaves the relay to the worker on a PostgreSQL server: no NATS check, nothing published (PostgreSQL server)', async () => {
    await buildWorld(app);
    await new Promise((r) => setTimeout(r, 500));
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).not.toHaveProperty('projections');
    expect(ready.json().warnings?.natsRelay).toBeUndefined();
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).not.toMatch(/^nats_relay_published_total\{/m);
  });
});

describeEachDatabase('the NATS relay when NATS is down', (ctx, target) => {
  const embedded = target === 'embedded' ? it : it.skip;
  let app: NestFastifyApplication;
  beforeAll(async () => {
    // Port 1 on loopback: refused at once, like a NATS server that is not running.
    app = await startTestApi(ctx(), withRelay(ctx(), 'nats://127.0.0.1:1', uniqueStream()));
  });
  afterAll(async () => {
    await app.close();
  });

  embedded('warns with the NATS error at once, fails readiness once stalled, counts the errors, and moves no checkpoint (embedded: the API runs it)', async () => {
    await buildWorld(app);
    const total = await eventCount(ctx());
    const warned = await until('the readiness warning', async () => {
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      const warning = res.json().warnings?.natsRelay as string | undefined;
      return warning?.includes('connecting to NATS: ') ? warning : undefined;
    });
    expect(warned).toMatch(/^NATS relay failing since \S+: connecting to NATS: /);
    const stalled = await until('readiness to fail', async () => {
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      return res.statusCode === 503 ? res : undefined;
    });
    expect(stalled.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stalled.json().checks.projections).toMatch(new RegExp(`^nats-relay stalled ${total} events behind for \\d+ s; retrying after: connecting to NATS`));
    expect(stalled.json().checks.database).toBe('ok');
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metric(res.body, /^nats_relay_errors_total (\d+)/m)).toBeGreaterThan(0);
    expect(metric(res.body, /^projection_errors_total\{projection="nats-relay",kind="retrying"\} (\d+)/m)).toBeGreaterThan(0);
    const rows = await ctx().superuser(`SELECT position::text AS position, status FROM projection_checkpoints WHERE name = 'nats-relay'`);
    expect(rows).toEqual([{ position: '0', status: 'running' }]);
  }, 60_000);
});

describeEachDatabase('without NATS_URL', (ctx) => {
  it('runs no relay and readiness says nothing about it', async () => {
    const app = await startTestApi(ctx(), { ...ctx().config, natsUrl: undefined });
    try {
      await buildWorld(app);
      const ready = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(JSON.stringify(ready.json())).not.toMatch(/nats/i);
      expect((await app.inject({ method: 'GET', url: '/metrics' })).body).not.toMatch(/nats_relay|projection="nats-relay"/);
      expect(await ctx().superuser(`SELECT name FROM projection_checkpoints WHERE name = 'nats-relay'`)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
