import type { OpenAPIObject, OperationObject, ParameterObject, ResponseObject } from '@nestjs/swagger';
import { KEY_PATTERN } from './idempotency-key';

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'] as const;

const KEY_SCHEMA = { type: 'string', pattern: KEY_PATTERN, minLength: 8, maxLength: 128, example: '8e03978e-40d5-43e8-bc93-6894a57f9324' } as const;

const KEY_PARAMETER: ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe. The first request with a key runs and its response is kept (for IDEMPOTENCY_TTL, 24 h by default); ' +
    'a retry of the same request (same method, route, parameters and body, secrets such as passwords aside) gets that response again with `Idempotent-Replayed: true` and runs nothing. ' +
    'Keys belong to the signed-in user. 8 to 128 characters of A-Z a-z 0-9 . _ : - (a UUID), bare or as a quoted string. ' +
    'A failure that changed nothing is not kept: retrying it runs again.',
  schema: KEY_SCHEMA,
};

const IGNORED_PARAMETER: ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Ignored on this public route: there is no signed-in caller to keep a record for, so every call runs all of its checks again (sign-in and refresh never answer from a record).',
  schema: KEY_SCHEMA,
};

const RESPONSES: Record<string, string> = {
  '400': 'IDEMPOTENCY.KEY_INVALID: a malformed Idempotency-Key, or more than one (problem+json)',
  '409': 'IDEMPOTENCY.IN_PROGRESS: the first request with this Idempotency-Key is still running (Retry-After says when to try again); IDEMPOTENCY.RESPONSE_LOST: it was carried out but its response was not kept, so it is not run again (problem+json)',
  '422': 'IDEMPOTENCY.KEY_REUSED: this Idempotency-Key was used for a different request (problem+json)',
};

/**
 * Writes the Idempotency-Key header into every write operation of the document, in one place
 * rather than on each controller: the header, its 400/409/422 problems, and the
 * `Idempotent-Replayed` header of a replayed answer. An operation without a security
 * requirement is public (sign-in, refresh): the header is listed as ignored there.
 */
export function documentIdempotency(doc: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(doc.paths)) {
    for (const method of WRITE_METHODS) {
      const op: OperationObject | undefined = item[method];
      if (!op) continue;
      const guarded = (op.security ?? doc.security ?? []).length > 0;
      op.parameters = [...(op.parameters ?? []), guarded ? KEY_PARAMETER : IGNORED_PARAMETER];
      if (!guarded) continue;
      for (const [status, text] of Object.entries(RESPONSES)) {
        const known = op.responses[status] as ResponseObject | undefined;
        op.responses[status] = known ? { ...known, description: `${known.description}; ${text}` } : { description: text };
      }
      const conflict = op.responses['409'] as ResponseObject;
      conflict.headers = { ...conflict.headers, 'Retry-After': { description: 'Seconds to wait before retrying (IDEMPOTENCY.IN_PROGRESS)', schema: { type: 'integer' } } };
      for (const [status, response] of Object.entries(op.responses)) {
        if (!status.startsWith('2') || !response || '$ref' in response) continue;
        response.headers = { ...response.headers, 'Idempotent-Replayed': { description: '`true` when this is the kept response of an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } } };
      }
    }
  }
  return doc;
}
