import { randomUUID } from 'node:crypto';
import type { CommandMeta } from './decider';

export type RequestOrigin = {
  actorId: string | null;
  companyId: string | null;
  requestId?: string;
  ip?: string | null;
  userAgent?: string | null;
  /** A client's Idempotency-Key: the same key makes a retried command append nothing. */
  idempotencyKey?: string | null;
};

/** Builds a command's meta at the edge (HTTP, CLI, worker): the only place with a clock and ids. */
export function commandMeta(origin: RequestOrigin, now = new Date()): CommandMeta {
  return {
    commandId: origin.idempotencyKey ? `${origin.actorId ?? 'system'}:${origin.idempotencyKey}` : randomUUID(),
    now,
    actorId: origin.actorId,
    companyId: origin.companyId,
    correlationId: origin.requestId ?? randomUUID(),
    causationId: null,
    ip: origin.ip ?? null,
    userAgent: origin.userAgent ?? null,
  };
}
