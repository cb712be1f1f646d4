import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../http/problem-reply';

/**
 * Fixed-window counter per key, in process memory. Good for one instance; several instances
 * behind a balancer each count their own share (a shared store is the next step).
 */
export class WindowCounter {
  private readonly hits = new Map<string, { n: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one hit; returns false when the key is over its limit. */
  hit(key: string, now = Date.now()): boolean {
    const h = this.current(key, now);
    h.n++;
    return h.n <= this.limit;
  }

  /** True when the key has reached its limit (without counting). */
  blocked(key: string, now = Date.now()): boolean {
    return this.current(key, now).n >= this.limit;
  }

  retryAfterSec(key: string, now = Date.now()): number {
    return Math.max(1, Math.ceil((this.current(key, now).resetAt - now) / 1000));
  }

  private current(key: string, now: number): { n: number; resetAt: number } {
    let h = this.hits.get(key);
    if (!h || h.resetAt <= now) {
      // Forget expired windows now and then so memory stays bounded.
      if (this.hits.size > 50_000) for (const [k, v] of this.hits) if (v.resetAt <= now) this.hits.delete(k);
      h = { n: 0, resetAt: now + this.windowMs };
      this.hits.set(key, h);
    }
    return h;
  }
}

/** A global per-ip request limit; over it, 429 problem+json with Retry-After. Health probes are exempt. */
export function registerIpRateLimit(fastify: FastifyInstance, perMinute: number): void {
  if (perMinute <= 0) return;
  const counter = new WindowCounter(perMinute, 60_000);
  fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.url.startsWith('/health')) return;
    if (counter.hit(req.ip)) return;
    return sendProblem(req, reply, 'RATE_LIMITED', 'Too many requests from this address; slow down.', { headers: { 'retry-after': String(counter.retryAfterSec(req.ip)) } });
  });
}
