import type { StoredEvent } from '../event-store/event.types';

/**
 * Published on the @nestjs/cqrs EventBus after a command's transaction commits. For
 * best-effort side effects only (notifications, cache warming): the EventBus swallows
 * handler errors, so audit rows and read models never depend on it.
 *   @EventsHandler(EventCommitted) class X implements IEventHandler<EventCommitted> { handle({ event }) {...} }
 */
export class EventCommitted {
  constructor(readonly event: StoredEvent) {}
}
