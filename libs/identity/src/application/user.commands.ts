import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, CommandRunner } from '@maple/platform';
import type { AppConfig, CommandMeta, Role, StoredEvent } from '@maple/platform';
import { IdentityError } from '../domain/identity.errors';
import { assertPasswordAcceptable } from '../domain/password-policy';
import { userDecider } from '../domain/user.decider';
import type { UserCommand, UserState } from '../domain/user.decider';
import { userStreamId } from '../projections/user.projection';
import { hashPassword } from './password-hasher';
import { UserQueries } from './user.queries';

type Without<C> = C extends unknown ? Omit<C, 'meta'> : never;

export type NewUser = { email: string; name: string | null; role: Role; companyId: string | null; password: string };

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string; cause?: unknown };
  return err?.code === '23505' || /unique|duplicate key/i.test(err?.message ?? '') || (err?.cause !== undefined && isUniqueViolation(err.cause));
}

/** Thin shells around the user decider. */
@Injectable()
export class UserCommands {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(UserQueries) private readonly users: UserQueries,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Runs a command on a user's stream, which belongs to `companyId` (null: platform administrators). */
  run(userId: string, companyId: string | null, command: Without<UserCommand>, meta: CommandMeta): Promise<{ state: UserState; events: StoredEvent[] }> {
    return this.runner.run(userDecider, { id: userStreamId(userId), type: 'User', companyId }, { ...command, meta } as UserCommand);
  }

  async register(input: NewUser, meta: CommandMeta, userId: string = randomUUID()): Promise<{ id: string }> {
    const email = input.email.trim();
    assertPasswordAcceptable(input.password, email);
    if (await this.users.credentialsByEmail(email)) throw new IdentityError('IDENTITY.EMAIL_ALREADY_EXISTS', 'A user with this e-mail already exists.');
    const passwordHash = await hashPassword(input.password);
    try {
      await this.run(userId, input.companyId, { type: 'RegisterUser', userId, email, name: input.name, role: input.role, companyId: input.companyId, passwordHash }, { ...meta, companyId: input.companyId });
    } catch (e) {
      // Two registrations racing for one address: the lower(email) index lets one through.
      if (isUniqueViolation(e)) throw new IdentityError('IDENTITY.EMAIL_ALREADY_EXISTS', 'A user with this e-mail already exists.');
      throw e;
    }
    return { id: userId };
  }

  changeRole(userId: string, role: Role, meta: CommandMeta) {
    return this.run(userId, meta.companyId, { type: 'ChangeUserRole', role }, meta);
  }

  deactivate(userId: string, meta: CommandMeta) {
    return this.run(userId, meta.companyId, { type: 'DeactivateUser' }, meta);
  }

  reactivate(userId: string, meta: CommandMeta) {
    return this.run(userId, meta.companyId, { type: 'ReactivateUser' }, meta);
  }

  lockoutPolicy() {
    return { threshold: this.config.auth.lockoutThreshold, durationMs: this.config.auth.lockoutMs };
  }
}
