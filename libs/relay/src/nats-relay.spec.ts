import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { isTransientError, loadConfig } from '@maple/platform';
import type { StoredEvent } from '@maple/platform';
import { NatsRelay, RelayUnavailableError } from './nats-relay';

const event: StoredEvent = {
  position: '1',
  transactionId: '1',
  eventId: '00000000-0000-4000-8000-000000000001',
  streamId: 's',
  streamType: 'T',
  version: 1,
  type: 'Happened',
  schemaVersion: 1,
  data: {},
  metadata: { actorId: null, companyId: null, correlationId: 'c', causationId: null, ip: null, userAgent: null, schemaVersion: 1 },
  companyId: null,
  recordedAt: new Date(0),
};

describe('NatsRelay without a live connection', () => {
  it('fails a batch at once while a server that accepts but never answers keeps the connect pending', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const relay = new NatsRelay({ url: `nats://127.0.0.1:${(silent.address() as AddressInfo).port}`, stream: 'S', subjectPrefix: 'p', duplicateWindowMs: 60_000, timeoutMs: 2000 });
    try {
      let connected: 'pending' | 'resolved' | 'rejected' = 'pending';
      relay.connect().then(
        () => (connected = 'resolved'),
        () => (connected = 'rejected'),
      );
      const err = await relay.publish([event]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RelayUnavailableError);
      expect((err as Error).message).toBe('not connected to NATS yet');
      expect(connected).toBe('pending');
      // The daemon retries it with backoff instead of stopping the projection.
      expect(isTransientError(err)).toBe(true);
      expect(await relay.health()).toMatch(/^NATS relay failing since \S+: not connected to NATS yet$/);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      await relay.close();
    }
  });
});

describe('relay configuration', () => {
  it('defaults, and refuses a stream name or subject prefix NATS would not take', () => {
    expect(loadConfig({}).relay).toEqual({ stream: 'MAPLE_EVENTS', subjectPrefix: 'maple' });
    expect(loadConfig({ NATS_STREAM: 'EV_1-a', NATS_SUBJECT_PREFIX: 'acme.maple' }).relay).toEqual({ stream: 'EV_1-a', subjectPrefix: 'acme.maple' });
    for (const bad of ['a.b', 'a b', 'a*', 'a>', 'a/b', 'x'.repeat(65)]) expect(() => loadConfig({ NATS_STREAM: bad })).toThrow('NATS_STREAM');
    for (const bad of ['a..b', '.a', 'a.', 'a.*', 'a.>', 'a b', 'ü']) expect(() => loadConfig({ NATS_SUBJECT_PREFIX: bad })).toThrow('NATS_SUBJECT_PREFIX');
  });
});
