import type { FastifyReply, FastifyRequest } from 'fastify';
import { EDGE_ERRORS } from './edge.errors';
import type { EdgeErrorCode } from './edge.errors';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem';
import type { ProblemDetails } from './problem';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? 'Error';
}

/**
 * Answers from a Fastify hook or the router, where Nest's exception filter does not run, in the
 * same RFC 9457 shape the filter writes.
 */
export function sendProblem(
  req: FastifyRequest,
  reply: FastifyReply,
  code: EdgeErrorCode,
  detail: string,
  more: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
): FastifyReply {
  const status = EDGE_ERRORS[code];
  const body: ProblemDetails = { ...more.extra, type: problemType(code), title: titleFor(status), status, code, detail, instance: (req.url ?? '').split('?')[0] };
  for (const [name, value] of Object.entries(more.headers ?? {})) void reply.header(name, value);
  return reply.status(status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}
