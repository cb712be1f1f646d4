import { Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, PROBLEM_CONTENT_TYPE, problemType, statusForCode } from './problem';
import { titleFor } from './problem-reply';
import type { ProblemDetails } from './problem';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

type FastifyLikeError = { statusCode?: number; code?: string; message?: string };

// A limit that forgot to say when it resets: one minute, the longest window we use for requests.
const DEFAULT_RETRY_AFTER_SEC = 60;

function retryAfterOf(problem: ProblemDetails): number {
  const s = problem.retryAfterSeconds;
  return typeof s === 'number' && Number.isFinite(s) && s > 0 ? Math.ceil(s) : DEFAULT_RETRY_AFTER_SEC;
}

/** Maps anything thrown to RFC 9457 problem+json. Unknown errors are logged, never shown. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const problem = this.toProblem(exception);
    problem.instance = req.url?.split('?')[0];
    if (problem.status >= 500) {
      this.logger.error({ err: exception, code: problem.code }, 'unhandled error');
    }
    // Every 429 says when to come back (RFC 9110), whichever limit raised it.
    if (problem.status === 429) void reply.header('retry-after', String(retryAfterOf(problem)));
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof DomainError) {
      const status = statusForCode(exception.code);
      // Extension members come first: a detail named like an RFC 9457 member (say `status`)
      // must never override it.
      return { ...exception.details, type: problemType(exception.code), title: titleFor(status), status, code: exception.code, detail: exception.message };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const b = (typeof body === 'object' && body !== null ? body : { message: body }) as Record<string, unknown>;
      // Fastify's JSON parser reports a malformed body as a plain 400; give it its own code.
      const malformedJson = status === 400 && typeof b.message === 'string' && /not valid JSON/i.test(b.message);
      const code = typeof b.code === 'string' ? b.code : malformedJson ? 'MALFORMED_JSON' : (CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'ERROR'));
      const problem: ProblemDetails = { type: problemType(code), title: titleFor(status), status, code };
      const msg = b.message;
      if (Array.isArray(msg)) {
        problem.detail = 'The request is invalid.';
        problem.errors = (b.errors as ProblemDetails['errors']) ?? msg.map((m) => ({ field: String(m).split(' ')[0], message: String(m) }));
      } else if (typeof msg === 'string' && (status < 500 || typeof b.code === 'string')) {
        // A 5xx message is shown only when the code that raised it chose it (e.g. NOT_READY).
        problem.detail = msg;
      }
      if (typeof b.code === 'string' && b.checks) problem.checks = b.checks;
      if (Array.isArray(b.errors)) problem.errors = b.errors as ProblemDetails['errors'];
      return problem;
    }
    // Fastify's own errors (malformed JSON, body too large, wrong content type) carry a statusCode.
    const fe = exception as FastifyLikeError;
    if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const status = fe.statusCode;
      const code = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(fe.message ?? '') ? 'MALFORMED_JSON' : (CODE_BY_STATUS[status] ?? 'BAD_REQUEST');
      const detail = code === 'MALFORMED_JSON' ? 'The request body is not valid JSON.' : titleFor(status);
      return { type: problemType(code), title: titleFor(status), status, code, detail };
    }
    return { type: problemType('INTERNAL'), title: titleFor(500), status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL', detail: 'An unexpected error occurred. It has been logged.' };
  }
}
