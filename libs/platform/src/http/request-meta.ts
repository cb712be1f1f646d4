import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { commandMeta } from '../cqrs/command-meta';
import type { CommandMeta } from '../cqrs/decider';

/**
 * A command's meta from an HTTP request: the actor and company from the verified token, the
 * request id as correlation id, ip and user agent for the audit trail, and the client's
 * Idempotency-Key (if any) so a retried request appends nothing new.
 */
export function requestMeta(req: FastifyRequest, p: Principal, companyId: string | null = p.companyId): CommandMeta {
  const key = req.headers['idempotency-key'];
  return commandMeta({
    actorId: p.userId,
    companyId,
    requestId: req.id,
    ip: req.ip,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
    idempotencyKey: typeof key === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(key) ? key : null,
  });
}
