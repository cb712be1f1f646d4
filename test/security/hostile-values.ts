// What the fuzz suite throws at every path parameter, query parameter and body field. Each
// class found a 500 once (issue 11): NUL and lone surrogates that PostgreSQL cannot store,
// nesting that overflowed validation, numbers past bigint, week dates and impossible dates that
// `Date` reads as Invalid Date, and wrong types.

/** A JSON body value: a JS value (JSON.stringify writes lone surrogates as \ud800 escapes), or raw JSON text. */
export type BodyValue = { label: string; value?: unknown; raw?: string };

/** A URL value, already percent-encoded as it goes on the wire; `twice` repeats a query key (an array for a scalar). */
export type UrlValue = { label: string; encoded: string; twice?: boolean };

const nest = (open: string, close: string, depth: number) => open.repeat(depth) + '1' + close.repeat(depth);

export const DEEP_OBJECT = nest('{"a":', '}', 10_000);
const DEEP_ARRAY = nest('[', ']', 10_000);

export const BODY_VALUES: BodyValue[] = [
  { label: 'NUL', value: 'a\u0000b' },
  { label: 'lone surrogate', value: 'x\ud800' },
  { label: 'NUL in a key', raw: '{"a\\u0000b":1}' },
  { label: 'lone surrogate in a key', raw: '{"\\ud800":1}' },
  { label: 'object nested 10,000 deep', raw: DEEP_OBJECT },
  { label: '__proto__ key', raw: '{"__proto__":{"polluted":true}}' },
  { label: '1e20', value: 1e20 },
  { label: '1e308', value: 1e308 },
  { label: '2^53 + 2', value: 2 ** 53 + 2 },
  { label: 'fraction', value: 1.5 },
  { label: '20 digits as text', value: '99999999999999999999' },
  { label: 'true', value: true },
  { label: 'null', value: null },
  { label: 'empty object', value: {} },
  { label: 'array for a scalar', value: ['a', 'b'] },
  { label: 'over-long text', value: 'x'.repeat(100_000) },
  { label: 'impossible date', value: '2026-02-30' },
  { label: 'ISO week date', value: '2026-W01-1' },
  { label: 'impossible date-time', value: '2026-02-30T10:00:00Z' },
  { label: 'empty text', value: '' },
  { label: 'quotes', value: "' OR '1'='1" },
  { label: 'non-ASCII', value: '日本語' },
];

/** Whole bodies (raw JSON text) for every operation that takes one. */
export const WHOLE_BODIES: BodyValue[] = [
  { label: 'body nested 10,000 deep', raw: DEEP_OBJECT },
  { label: 'body array nested 10,000 deep', raw: DEEP_ARRAY },
  { label: 'body is an array', raw: '[]' },
  { label: 'body is a string', raw: '"text"' },
  { label: 'body is null', raw: 'null' },
  { label: 'body with __proto__', raw: '{"__proto__":{"polluted":true}}' },
  { label: 'body with a NUL key', raw: '{"\\u0000":1}' },
  { label: 'body is not JSON', raw: '{"a":' },
];

const enc = (s: string) => encodeURIComponent(s);

export const URL_VALUES: UrlValue[] = [
  { label: 'NUL', encoded: 'a%00b' },
  { label: 'lone surrogate (CESU-8 bytes)', encoded: 'x%ED%A0%80' },
  { label: 'malformed percent-encoding', encoded: '%E0%A4%A' },
  { label: 'bare percent', encoded: '%' },
  { label: 'over-long', encoded: 'x'.repeat(5000) },
  { label: '1e20', encoded: '1e20' },
  { label: '20 digits', encoded: '99999999999999999999' },
  { label: 'negative', encoded: '-1' },
  { label: 'fraction', encoded: '1.5' },
  { label: 'NaN', encoded: 'NaN' },
  { label: 'Infinity', encoded: 'Infinity' },
  { label: 'impossible date', encoded: '2026-02-30' },
  { label: 'ISO week date', encoded: '2026-W01-1' },
  { label: 'impossible date-time', encoded: enc('2026-02-30T10:00:00Z') },
  { label: 'month 13', encoded: '2026-13-01' },
  { label: 'empty', encoded: '' },
  { label: 'quotes', encoded: enc("' OR '1'='1") },
  { label: 'non-ASCII', encoded: enc('日本語') },
  { label: 'dot segments', encoded: enc('../../etc/passwd') },
  { label: 'array for a scalar', encoded: 'a', twice: true },
];

// What must never reach a client: stack frames, module paths, runtime error names, SQL and
// database error text, the ORM's name.
export const LEAKS: RegExp[] = [
  /\n\s+at \S+ \(|\bat .+:\d+:\d+\)/,
  /node_modules/,
  /\b(?:TypeError|RangeError|URIError|SyntaxError|ReferenceError)\b/,
  /syntax error at or near|invalid input syntax|violates [a-z -]*constraint|out of range for|unsupported Unicode escape/i,
  /\bINSERT INTO\b|\bSELECT\b[^"]{0,120}\bFROM\b|\bUPDATE\s+"?\w+"?\s+SET\b/,
  /prisma/i,
];
