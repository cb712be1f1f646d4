import type { Permission } from '@maple/platform';

// The OpenAPI document as the security suites walk it: every operation with its permissions
// (`x-permissions`, written by @RequirePermission), parameters and a request body built from
// the schema's examples. New routes are covered without editing the suites.

export type Schema = { $ref?: string; properties?: Record<string, { example?: unknown; $ref?: string }>; example?: unknown };
export type Operation = { 'x-permissions'?: Permission[]; parameters?: { name: string; in: string }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };
export type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };
export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type Op = { method: Method; path: string; op: Operation; permissions: Permission[] };

export function operations(doc: Doc): Op[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([m]) => ['get', 'post', 'patch', 'put', 'delete'].includes(m))
      .map(([m, op]) => ({ method: m.toUpperCase() as Method, path, op, permissions: op['x-permissions'] ?? [] })),
  );
}

function requestSchema(doc: Doc, op: Operation): Schema | undefined {
  const schema = op.requestBody?.content?.['application/json']?.schema;
  return schema?.$ref ? doc.components?.schemas?.[schema.$ref.split('/').pop() as string] : schema;
}

/** A body built from the examples of the request schema (so validation passes and the handler runs). */
export function exampleBody(doc: Doc, op: Operation): Record<string, unknown> | undefined {
  const raw = op.requestBody?.content?.['application/json']?.schema;
  if (!raw) return undefined;
  if (raw.example && typeof raw.example === 'object') return raw.example as Record<string, unknown>;
  const schema = requestSchema(doc, op);
  return Object.fromEntries(Object.entries(schema?.properties ?? {}).filter(([, p]) => p.example !== undefined && p.example !== null).map(([k, p]) => [k, p.example]));
}

/** Every property the request schema declares, examples or not. */
export function bodyFields(doc: Doc, op: Operation): string[] {
  return Object.keys(requestSchema(doc, op)?.properties ?? {});
}

export function paramsIn(op: Operation, where: 'path' | 'query'): string[] {
  return (op.parameters ?? []).filter((p) => p.in === where).map((p) => p.name);
}

export function fill(path: string, value: (param: string) => string): string {
  return path.replace(/\{([^}]+)\}/g, (_, p: string) => encodeURIComponent(value(p)));
}
