// A consumer of Maple's event relay: a durable JetStream consumer with explicit acks that
// applies each event at most once (by event id) and checks that each stream arrives in order.
//
//   NATS_URL=nats://127.0.0.1:4222 NATS_STREAM=MAPLE_EVENTS node scripts/relay-consumer.example.mjs [filter-subject]
//
// The filter defaults to every event (`maple.>`); `maple.<company>.>` is one company's events,
// with <company> encoded as the README's "Event relay to NATS JetStream" section says.
// A real consumer keeps `seen` and `versions` in its own database, in the same transaction as
// what it does with the event, so that a redelivery after a crash is recognised.
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';

const servers = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const stream = process.env.NATS_STREAM || 'MAPLE_EVENTS';
const filter = process.argv[2] || `${process.env.NATS_SUBJECT_PREFIX || 'maple'}.>`;
const durable = process.env.CONSUMER_NAME || 'example-consumer';

const nc = await connect({ servers, name: durable });
const jsm = await jetstreamManager(nc);
// Idempotent: adding a durable consumer with the same configuration again is a no-op.
await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: filter });
const consumer = await jetstream(nc).consumers.get(stream, durable);

const seen = new Set(); // event ids already handled
const versions = new Map(); // streamId -> last version handled

process.on('SIGINT', () => void nc.drain());
const messages = await consumer.consume({ max_messages: 256 });
for await (const m of messages) {
  /** @type {import('@maple/relay').EventEnvelope} */
  const e = m.json();
  if (e.schema !== 'maple.event.v1') throw new Error(`unknown envelope schema ${e.schema}`);
  if (!seen.has(e.eventId)) {
    const last = versions.get(e.streamId) ?? 0;
    // With a filter on event types a stream's versions may skip; without one they are consecutive.
    if (e.version <= last) console.warn(`out of order in ${e.streamId}: ${e.version} after ${last}`);
    console.log(`${e.recordedAt} ${e.companyId ?? '-'} ${e.streamType}/${e.streamId} v${e.version} ${e.type}`);
    seen.add(e.eventId);
    versions.set(e.streamId, Math.max(last, e.version));
  }
  m.ack();
}
