import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { EventEnvelope } from '@maple/relay';

export const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';

/** Whether nats-server answers, decided before the tests are declared (jest cannot skip later). */
export function natsReachable(): boolean {
  const u = new URL(NATS_URL);
  const probe = `require('net').connect(${Number(u.port || 4222)}, ${JSON.stringify(u.hostname)}).on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 3000 }).status === 0;
}

export const NATS_SKIP_REASON = `nats-server is not reachable at ${NATS_URL} (.ci/run starts it; or set NATS_URL)`;

/** A stream and subject prefix of this run's own, so parallel runs never see each other's messages. */
export function uniqueStream(): { stream: string; subjectPrefix: string } {
  const run = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return { stream: `MAPLE_TEST_${run}`, subjectPrefix: `mapletest_${run}` };
}

export type Received = { subject: string; envelope: EventEnvelope; raw: string };

/** Reads every message of the stream through a durable consumer with explicit acks. */
export async function consumeAll(nc: NatsConnection, stream: string, durable: string, expected: number, filterSubject?: string): Promise<Received[]> {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, ...(filterSubject ? { filter_subject: filterSubject } : {}) });
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  const out: Received[] = [];
  // Until one empty fetch after the expected count (so a duplicate would show), or five before it.
  for (let empty = 0; empty < (out.length >= expected ? 1 : 5); ) {
    const batch = await consumer.fetch({ max_messages: 500, expires: 1000 });
    let n = 0;
    for await (const m of batch) {
      n++;
      out.push({ subject: m.subject, envelope: m.json<EventEnvelope>(), raw: m.string() });
      m.ack();
    }
    empty = n ? 0 : empty + 1;
  }
  return out;
}

export async function natsConnection(): Promise<NatsConnection> {
  return connect({ servers: NATS_URL, name: 'maple-relay-test' });
}

export async function deleteStream(nc: NatsConnection, stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => undefined);
}

export async function streamMessages(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(stream)).state.messages;
}
