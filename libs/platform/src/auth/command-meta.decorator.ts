import { createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { commandMeta } from '../cqrs/command-meta';
import type { CommandMeta } from '../cqrs/decider';
import type { Principal } from './principal';

type Req = { user?: Principal; id?: string; ip?: string; headers: Record<string, string | string[] | undefined> };

function header(req: Req, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : null;
}

/** A command's meta from the request: actor and company from the verified token, ip, agent, request id. */
export function metaFromRequest(req: Req): CommandMeta {
  return commandMeta({
    actorId: req.user?.userId ?? null,
    companyId: req.user?.companyId ?? null,
    requestId: req.id,
    ip: req.ip ?? null,
    userAgent: header(req, 'user-agent'),
  });
}

/** Injects the command meta of the current request: `create(@Body() b, @Meta() meta)`. */
export const Meta = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandMeta => metaFromRequest(ctx.switchToHttp().getRequest<Req>()));
