// RFC 9457 problem details. Every error leaves the API in this shape with a stable `code`
// that clients can switch on; `detail` is written for people and never carries SQL or stacks.
export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A domain error: a string code from the owning context and a human message. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

// Where a code's suffix says what kind of failure it is, the status follows from it, so a
// context can add codes without touching the HTTP layer.
const STATUS_BY_SUFFIX: [RegExp, number][] = [
  [/NOT_FOUND$/, 404],
  [/(CONFLICT|ALREADY_EXISTS|DUPLICATE)$/, 409],
  [/(FORBIDDEN|NOT_ALLOWED|NOT_IN_PLAN|SELF_REVIEW)$/, 403],
  [/(UNAUTHORIZED|INVALID_CREDENTIALS|TOKEN_INVALID)$/, 401],
  [/(VALIDATION|INVALID|MALFORMED)(_[A-Z]+)?$/, 400],
  [/(LIMIT_REACHED|LOCKED)$/, 409],
  [/RATE_LIMITED$/, 429],
];

const explicitStatus = new Map<string, number>([['CONCURRENCY_CONFLICT', 409]]);

export function registerErrorStatus(code: string, status: number): void {
  explicitStatus.set(code, status);
}

export function statusForCode(code: string): number {
  const explicit = explicitStatus.get(code);
  if (explicit) return explicit;
  for (const [re, status] of STATUS_BY_SUFFIX) if (re.test(code)) return status;
  return 422;
}

export function problemType(code: string): string {
  return `https://maple.dev/problems/${code.toLowerCase().replace(/[._]/g, '-')}`;
}
