import type { FastifyRequest } from 'fastify';
import { hasPermissions, matrixRoleOf } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { HrError } from '../domain/hr.errors';
import { today } from '../queries/hr-view';
import type { ViewRequest } from '../queries/hr-view';

/** The OpenAPI description of the purpose header, on every HR read. */
export const PURPOSE_HEADER = {
  name: 'X-Purpose',
  required: false,
  description: 'Why you read personal data (or the `purpose` query parameter). Required whenever the response would show a sensitive field; the read is logged as an audit VIEW row with it.',
};

export const BREAK_GLASS_HEADER = {
  name: 'X-Break-Glass',
  required: false,
  description: 'Emergency access (hr:break-glass only): the reason. Every field is shown in full, and the read is logged and flagged as break-glass.',
};

function header(req: FastifyRequest, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, 300) : null;
}

/**
 * Who reads HR data, why, and as of when. A read refuses sensitive values without a purpose
 * (the answer to a write withholds them instead: HrReads.afterWrite).
 */
export function viewRequest(req: FastifyRequest, p: Principal, q: { purpose?: string; asOf?: string } = {}): ViewRequest {
  const breakGlass = header(req, 'x-break-glass');
  if (breakGlass !== null && !hasPermissions(p, ['hr:break-glass'])) throw new HrError('HR.ROLE_NOT_ALLOWED', 'Break-glass reads need the hr:break-glass permission.');
  if (req.headers['x-break-glass'] !== undefined && breakGlass === null) throw new HrError('HR.BREAK_GLASS_REASON_REQUIRED', 'A break-glass read needs a reason in X-Break-Glass.');
  return {
    viewer: { userId: p.userId, role: matrixRoleOf(p) },
    purpose: header(req, 'x-purpose') ?? (q.purpose?.trim() ? q.purpose.trim().slice(0, 300) : null),
    breakGlass: breakGlass ? { reason: breakGlass } : null,
    withoutPurpose: 'refuse',
    asOf: q.asOf ?? today(),
    ip: req.ip,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
  };
}
