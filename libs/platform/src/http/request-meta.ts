import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { commandMeta } from '../cqrs/command-meta';
import type { CommandMeta } from '../cqrs/decider';

/**
 * A command's meta from an HTTP request: the actor and company from the verified token, the
 * request id as correlation id, ip and user agent for the audit trail. (A client's
 * Idempotency-Key is handled before the handler runs, by the IdempotencyInterceptor.)
 */
export function requestMeta(req: FastifyRequest, p: Principal, companyId: string | null = p.companyId): CommandMeta {
  return commandMeta({
    actorId: p.userId,
    companyId,
    requestId: req.id,
    ip: req.ip,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
  });
}
