import { isIP } from 'node:net';

/**
 * Which peers may tell us the client's address in X-Forwarded-For: nobody (false), the nearest
 * `n` hops whatever their address, or proxies at these addresses/CIDRs (Fastify's trustProxy).
 */
export type TrustProxy = false | number | string[];

// proxy-addr's names for the usual private ranges, accepted as they are.
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** Why `entry` is not an address, a CIDR or a named range; null when it is one. */
function entryProblem(entry: string): string | null {
  if (NAMED_RANGES.includes(entry)) return null;
  const [addr, prefix, extra] = entry.split('/');
  const family = isIP(addr);
  if (!family || extra !== undefined) return `"${entry}" is not an IP address or CIDR`;
  if (prefix === undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `"${entry}" has a prefix length outside 0..${max}`;
  return null;
}

/**
 * Parses TRUST_PROXY. `true` is refused on purpose: trusting every peer is what let any client
 * write any address into the hash-chained evidence and walk past the per-ip limits.
 * Returns the setting, or a message saying what is wrong with it.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy | { error: string } {
  const value = raw?.trim() ?? '';
  if (value === '' || ['false', 'off', 'no', '0'].includes(value.toLowerCase())) return false;
  if (value.toLowerCase() === 'true') {
    return { error: 'must be off, a hop count or a list of proxy addresses/CIDRs; "true" would trust X-Forwarded-For from any client' };
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= 10 ? hops : { error: `must be a hop count between 1 and 10, got ${hops}` };
  }
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of entries) {
    const problem = entryProblem(e);
    if (problem) return { error: `must be off, a hop count or a comma-separated list of addresses/CIDRs: ${problem}` };
  }
  return entries;
}

/**
 * The setting as Fastify's `trustProxy` option. A hop count becomes a function: Fastify 5.12
 * ignores a bare number ("fails closed"), so the nearest `n` peers are trusted explicitly. Only
 * use a count where no client can reach the API except through those proxies.
 */
export function fastifyTrustProxy(tp: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof tp === 'number') return (_address, hop) => hop < tp;
  return tp;
}
