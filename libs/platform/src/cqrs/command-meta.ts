import { randomUUID } from 'node:crypto';
import type { CommandMeta } from './decider';

export type RequestOrigin = {
  actorId: string | null;
  companyId: string | null;
  requestId?: string;
  ip?: string | null;
  userAgent?: string | null;
};

/** Builds a command's meta at the edge (HTTP, CLI, worker): the only place with a clock and ids. */
export function commandMeta(origin: RequestOrigin, now = new Date()): CommandMeta {
  return {
    // New for every command, even a client's retry: replaying a retry is the idempotency
    // record's job (libs/platform/src/idempotency), not something an id can do.
    commandId: randomUUID(),
    now,
    actorId: origin.actorId,
    companyId: origin.companyId,
    correlationId: origin.requestId ?? randomUUID(),
    causationId: null,
    ip: origin.ip ?? null,
    userAgent: origin.userAgent ?? null,
  };
}
