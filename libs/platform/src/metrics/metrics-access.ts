import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether an Authorization header carries the metrics bearer token (compared in constant time). */
export function metricsTokenAccepted(authorization: string | string[] | undefined, token: string): boolean {
  const m = typeof authorization === 'string' ? /^Bearer (.+)$/i.exec(authorization.trim()) : null;
  return m !== null && timingSafeEqual(digest(m[1]), digest(token));
}
