import { registerErrorStatus } from './problem';

// The codes the HTTP edge answers with before a context sees the request, each with its status.
export const EDGE_ERRORS = {
  MALFORMED_URL: 400,
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  BAD_REQUEST: 400,
  'INPUT.UNSAFE_TEXT': 400,
  'INPUT.TOO_DEEP': 400,
  RATE_LIMITED: 429,
  'METRICS.TOKEN_REQUIRED': 401,
} as const;

export type EdgeErrorCode = keyof typeof EDGE_ERRORS;

for (const [code, status] of Object.entries(EDGE_ERRORS)) registerErrorStatus(code, status);
