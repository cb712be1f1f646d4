import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EDGE_ERRORS } from './edge.errors';
import type { EdgeErrorCode } from './edge.errors';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem';
import { sendProblem, titleFor } from './problem-reply';

// Deeper than any body the API documents (the deepest, billing features, is 3 levels), far
// below what blows the stack of class-transformer and class-validator (they recurse).
export const MAX_INPUT_DEPTH = 32;

/** Set on a parsed query string whose percent-encoding is not valid UTF-8. */
export const MALFORMED_QUERY = Symbol('maple.malformedQuery');

type Problem = 'NUL' | 'SURROGATE' | 'DEPTH';
export type UnsafeInput = { field: string; problem: Problem };

// In a `u` regex a well-formed surrogate pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /\p{Cs}/u;

function textProblem(s: string): Problem | null {
  // PostgreSQL text and jsonb cannot hold U+0000; a lone surrogate is not Unicode at all (UTF-8
  // encoding would silently turn it into U+FFFD, altering what the client sent).
  if (s.includes('\u0000')) return 'NUL';
  if (LONE_SURROGATE.test(s)) return 'SURROGATE';
  return null;
}

// Field names go back to the client, so they are made printable and short first.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const printable = (s: string) => s.replace(/[\u0000-\u001f\p{Cs}]/gu, '?').slice(0, 100);
const join = (path: string, key: string) => (path ? `${path}.${printable(key)}` : printable(key));

/**
 * The first string (value or key) that no column can store, or the first value nested deeper
 * than `maxDepth`. Iterative, so a hostile depth cannot overflow the stack here either.
 */
export function findUnsafeInput(value: unknown, maxDepth = MAX_INPUT_DEPTH): UnsafeInput | null {
  const stack: [unknown, number, string][] = [[value, 0, '']];
  while (stack.length) {
    const [v, depth, path] = stack.pop() as [unknown, number, string];
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return { field: path, problem };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) return { field: path, problem: 'DEPTH' };
    for (const [key, child] of Object.entries(v)) {
      const problem = textProblem(key);
      if (problem) return { field: join(path, key), problem };
      stack.push([child, depth + 1, join(path, key)]);
    }
  }
  return null;
}

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * The query string parser: like the default one (repeated keys become arrays), but a component
 * that is not valid percent-encoded UTF-8 marks the result instead of passing through as is.
 */
export function parseQueryString(qs: string): Record<string | symbol, unknown> {
  // No prototype: a key such as `__proto__` is just a key.
  const out = Object.create(null) as Record<string | symbol, unknown>;
  for (const pair of qs.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === null || value === null) {
      out[MALFORMED_QUERY] = true;
      continue;
    }
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

const WHAT: Record<Problem, string> = {
  NUL: 'contains a NUL character',
  SURROGATE: 'contains a lone UTF-16 surrogate (not valid Unicode)',
  DEPTH: `is nested deeper than ${MAX_INPUT_DEPTH} levels`,
};

/**
 * Refuses, before validation and before any handler, input that PostgreSQL cannot store or
 * that would crash validation: 400 problem+json, and nothing is written.
 */
export function registerInputGuard(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', async (req: FastifyRequest, reply: FastifyReply) => {
    const query = req.query as Record<string | symbol, unknown> | undefined;
    if (query?.[MALFORMED_QUERY]) return sendProblem(req, reply, 'MALFORMED_URL', 'The query string is not valid percent-encoded UTF-8.');
    const parts: [string, unknown][] = [
      ['path', req.params],
      ['query', query],
      ['body', req.body],
    ];
    for (const [where, value] of parts) {
      const bad = findUnsafeInput(value);
      if (!bad) continue;
      const field = bad.field ? `${where}.${bad.field}` : where;
      return sendProblem(req, reply, bad.problem === 'DEPTH' ? 'INPUT.TOO_DEEP' : 'INPUT.UNSAFE_TEXT', `${field} ${WHAT[bad.problem]}.`, { extra: { errors: [{ field, message: WHAT[bad.problem] }] } });
    }
  });
}

/**
 * The router's own refusals as problem+json: an over-long path segment, and a path that is not
 * valid percent-encoded UTF-8 (the only other framework error, of async constraints, cannot
 * happen: no route uses one).
 */
export function answerFrameworkError(error: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') void sendProblem(req, reply, 'URI_TOO_LONG', 'A segment of the path is too long.');
  else void sendProblem(req, reply, 'MALFORMED_URL', 'The path is not valid percent-encoded UTF-8.');
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (a request line and headers over
 * 16 KiB, a request that never finishes arriving, bytes that are not HTTP), as problem+json on
 * the raw socket. Fastify's own answer here is plain JSON.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail]: [EdgeErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['HEADERS_TOO_LARGE', 'The request line and headers are larger than 16 KiB.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['REQUEST_TIMEOUT', 'The request did not arrive in time.']
        : ['BAD_REQUEST', 'The request is not valid HTTP.'];
  const status = EDGE_ERRORS[code];
  const body = JSON.stringify({ type: problemType(code), title: titleFor(status), status, code, detail });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${titleFor(status)}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
