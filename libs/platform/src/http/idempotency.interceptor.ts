import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { catchError, finalize, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Principal } from '../auth/principal';
import { underClaim } from '../idempotency/idempotency-fence';
import { IdempotencyError } from '../idempotency/idempotency.errors';
import { REPLAYED_HEADER, idempotencyKeyOf } from '../idempotency/idempotency-key';
import { IN_PROGRESS_RETRY_AFTER_SEC } from '../idempotency/idempotency-policy';
import { IdempotencyStore } from '../idempotency/idempotency.store';
import type { Claim } from '../idempotency/idempotency.store';
import { requestFingerprint } from '../idempotency/request-fingerprint';
import { IS_PUBLIC } from './public.decorator';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// The requests that hold a key, until their response is settled in the onSend hook.
const holding = new WeakMap<FastifyRequest, Claim>();
const RESPONSES_HOOKED = 'mapleIdempotentResponses';

/**
 * Idempotency-Key on every guarded write, done once for the whole API. It runs after the guards
 * (a key never skips authentication or permissions) and before the other interceptors (so a
 * replay is the stored bytes, and plan checks still run for a new request). Public routes
 * (sign-in, token refresh) ignore the key: they have no caller to scope it to, and their answer
 * must always come from checking the credentials again, never from a record.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    if (!WRITES.has(req.method) || this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return next.handle();
    const key = idempotencyKeyOf(req.headers);
    const p = req.user;
    if (!key || !p) return next.handle();
    // Without the onSend half a key would be taken and never settled: fail closed, nothing runs.
    if (!req.server.hasDecorator(RESPONSES_HOOKED)) throw new Error('Idempotency-Key needs registerIdempotentResponses(fastify) at boot');
    const route = req.routeOptions?.url ?? req.url.split('?')[0];
    const fingerprint = requestFingerprint({ method: req.method, route, params: req.params, query: req.query, body: req.body });
    const taken = await this.store.claim({ userId: p.userId, companyId: p.companyId }, key, fingerprint, `${req.method} ${route}`).catch((e: unknown) => {
      throw askToWait(reply, e);
    });
    if (taken.kind === 'replay') {
      void reply.status(taken.status).header(REPLAYED_HEADER, 'true');
      if (taken.contentType) void reply.header('content-type', taken.contentType);
      return of(taken.body);
    }
    holding.set(req, taken.claim);
    const run = underClaim(taken.claim, () => next.handle());
    return run.value.pipe(
      catchError((e: unknown) => throwError(() => askToWait(reply, e))),
      finalize(run.end),
    );
  }
}

// "Still running" tells the client when to try again.
function askToWait(reply: FastifyReply, e: unknown): unknown {
  if (e instanceof IdempotencyError && e.code === 'IDEMPOTENCY.IN_PROGRESS') void reply.header('retry-after', String(IN_PROGRESS_RETRY_AFTER_SEC));
  return e;
}

/**
 * The other half, as a Fastify onSend hook: it sees the response exactly as it leaves (status,
 * content type, serialized body) and settles the key before the client gets it, so a client
 * never sees an answer that a retry would not get again.
 */
export function registerIdempotentResponses(fastify: FastifyInstance, store: IdempotencyStore): void {
  const log = new Logger('Idempotency');
  fastify.decorate(RESPONSES_HOOKED, true);
  fastify.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const claim = holding.get(req);
    if (!claim) return payload;
    holding.delete(req);
    const body = payload == null ? Buffer.alloc(0) : typeof payload === 'string' ? Buffer.from(payload) : Buffer.isBuffer(payload) ? payload : null;
    const type = reply.getHeader('content-type');
    try {
      await store.finish(claim, reply.statusCode, body && { contentType: typeof type === 'string' ? type : null, body });
    } catch (e) {
      // The command's answer still goes out; the key stays held until its lease ends (see README).
      log.warn({ msg: 'could not keep the response of an idempotent request', code: (e as { code?: string }).code ?? 'unknown' });
    }
    return payload;
  });
}
