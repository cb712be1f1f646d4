export { RelayModule } from './relay.module';
export { NatsRelay, RelayUnavailableError, RELAY_PROJECTION } from './nats-relay';
export type { RelayObserver, RelayOptions } from './nats-relay';
export { toEnvelope } from './envelope';
export type { EventEnvelope } from './envelope';
export { decodeToken, encodeToken, eventSubject, NO_COMPANY_TOKEN } from './subject';
