import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import type { Logger as PinoLogger } from 'pino';
import { SENSITIVE_FIELDS } from '../security/sensitive-fields';

// Secrets never reach the logs: auth headers, cookies and every field of the sensitive list,
// at the top of a line's object or one level down.
const REDACT = ['headers.authorization', 'headers.cookie', ...SENSITIVE_FIELDS.flatMap((f) => [f, `*.${f}`])];

export function createRootLogger(level: string, destination?: pino.DestinationStream): PinoLogger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'maple' } }, destination);
}

/** The request a log line belongs to; set by the HTTP layer for the lifetime of a request. */
export const requestContext = new AsyncLocalStorage<{ reqId: string }>();

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Takes a well-formed `x-request-id` from the caller (tracing across services), else makes one. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Nest's logger interface over pino; inside a request every line carries its `reqId`. */
export class JsonLogger implements LoggerService {
  constructor(private readonly root: PinoLogger) {}

  private write(level: 'info' | 'warn' | 'error' | 'debug' | 'trace' | 'fatal', message: unknown, rest: unknown[]): void {
    const store = requestContext.getStore();
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const fields: Record<string, unknown> = { ...(store ? { reqId: store.reqId } : {}), ...(context ? { context } : {}) };
    if (message instanceof Error) this.root[level]({ ...fields, err: { type: message.name, message: message.message } }, message.message);
    else if (typeof message === 'object' && message !== null) {
      const { msg, ...obj } = message as Record<string, unknown>;
      this.root[level]({ ...fields, ...obj }, typeof msg === 'string' ? msg : context ?? '');
    } else this.root[level](fields, String(message));
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    // Nest passes a stack trace as the second argument; stacks stay out of the logs' message field.
    this.write('error', message, rest.filter((r, i) => !(i === 0 && typeof r === 'string' && r.includes('\n    at '))));
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
}
