import { DomainError } from '@maple/platform';
import type { Command, Decider, DomainEvent } from '@maple/platform';

// A small aggregate with a delete, for the audit tests.
export type ContactEvent =
  | DomainEvent<'ContactCreated', { name: string; email: string }>
  | DomainEvent<'ContactChanged', { name?: string; email?: string }>
  | DomainEvent<'ContactDeleted', { reason: string }>;
export type ContactCommand =
  | (Command<'CreateContact'> & { name: string; email: string })
  | (Command<'ChangeContact'> & { name?: string; email?: string })
  | (Command<'DeleteContact'> & { reason: string });
export type ContactState = { exists: boolean };

export const contactDecider: Decider<ContactCommand, ContactEvent, ContactState> = {
  initialState: { exists: false },
  decide(cmd, s) {
    switch (cmd.type) {
      case 'CreateContact':
        if (s.exists) throw new DomainError('TOY.ALREADY_EXISTS', 'exists');
        return [{ type: 'ContactCreated', data: { name: cmd.name, email: cmd.email } }];
      case 'ChangeContact':
        if (!s.exists) throw new DomainError('TOY.NOT_FOUND', 'no contact');
        return [
          {
            type: 'ContactChanged',
            data: { ...(cmd.name ? { name: cmd.name } : {}), ...(cmd.email ? { email: cmd.email } : {}) },
          },
        ];
      case 'DeleteContact':
        if (!s.exists) throw new DomainError('TOY.NOT_FOUND', 'no contact');
        return [{ type: 'ContactDeleted', data: { reason: cmd.reason } }];
      default: {
        const never: never = cmd;
        throw new Error(`unknown command ${(never as Command).type}`);
      }
    }
  },
  evolve(s, e) {
    switch (e.type) {
      case 'ContactCreated':
        return { exists: true };
      case 'ContactDeleted':
        return { exists: false };
      default:
        return s;
    }
  },
};
